import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isAwsError } from "../aws/classify";

/** A counting semaphore: at most `limit` holders at once; holders older than `leaseMs` are presumed dead. */
export interface Semaphore {
  /** True when `holder` holds (or already held) a slot. */
  acquire(holder: string, now: Date): Promise<boolean>;
  /** Releases `holder`'s slot; releasing twice is harmless. */
  release(holder: string): Promise<void>;
}

/** A semaphore stored as one DynamoDB item whose `holders` map is bounded with a conditional update. */
export class DynamoSemaphore implements Semaphore {
  constructor(
    private readonly options: {
      client: DynamoDBDocumentClient;
      tableName: string;
      name: string;
      limit: number;
      leaseMs: number;
    },
  ) {}

  private get key() {
    return { pk: `SEMAPHORE#${this.options.name}`, sk: "SEMAPHORE" };
  }

  private async holders(): Promise<Record<string, string> | undefined> {
    const out = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: this.key, ConsistentRead: true }),
    );
    return out.Item?.holders as Record<string, string> | undefined;
  }

  /** Creates the item with an empty map, so the holder can be added in one atomic update. */
  private async ensureItem(): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: this.key,
        UpdateExpression:
          "SET holders = if_not_exists(holders, :empty), #count = if_not_exists(#count, :zero)",
        ExpressionAttributeNames: { "#count": "count" },
        ExpressionAttributeValues: { ":empty": {}, ":zero": 0 },
      }),
    );
  }

  private async tryAdd(holder: string, now: Date): Promise<boolean> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          // `count` mirrors the map's size so the bound is one condition, checked atomically with the write.
          UpdateExpression: "SET holders.#holder = :at ADD #count :one",
          ConditionExpression: "#count < :limit AND attribute_not_exists(holders.#holder)",
          ExpressionAttributeNames: { "#count": "count", "#holder": holder },
          ExpressionAttributeValues: { ":at": now.toISOString(), ":one": 1, ":limit": this.options.limit },
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
  }

  async acquire(holder: string, now: Date): Promise<boolean> {
    // One conditional write in the common case; the slots are read only when it fails.
    if (await this.tryAdd(holder, now)) return true;
    let current = await this.holders();
    if (!current) {
      await this.ensureItem();
      if (await this.tryAdd(holder, now)) return true;
      current = (await this.holders()) ?? {};
    }
    if (current[holder]) return true;
    if (await this.tryAdd(holder, now)) return true;
    // Full: free the slots of holders whose lease has run out (a crashed execution), then try once more.
    const expired = Object.entries(current).filter(
      ([, at]) => now.getTime() - Date.parse(at) > this.options.leaseMs,
    );
    for (const [stale] of expired) await this.release(stale);
    return expired.length > 0 ? this.tryAdd(holder, now) : false;
  }

  async release(holder: string): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key,
          UpdateExpression: "REMOVE holders.#holder ADD #count :minusOne",
          ConditionExpression: "attribute_exists(holders.#holder)",
          ExpressionAttributeNames: { "#holder": holder, "#count": "count" },
          ExpressionAttributeValues: { ":minusOne": -1 },
        }),
      );
    } catch (error) {
      // Not a holder (already released): nothing to do.
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
    }
  }
}
