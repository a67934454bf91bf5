import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isAwsError } from "../aws/classify";
import { TableStore } from "./table-store";

/**
 * The meeting point of a vend waiting for its account's creation and Organizations' `CreateAccountResult`
 * event, one item per CreateAccount request id (the only id the event carries). Whichever of the two
 * arrives second resumes the workflow, so neither order loses the event:
 *
 * - the waiting task `arm`s its task token, taking any event already there (it then resumes itself);
 * - the event is `post`ed, and takes the token armed there, if any (the event's handler resumes the task).
 *
 * Each side's write returns what the other had written, atomically (one UpdateItem each), so exactly
 * one of them resumes a given wait. Items expire a week after their last write.
 */
export interface CreationWaits {
  /** Arms the task token of a wait; true when an event had arrived first (and is taken by this call). */
  arm(createRequestId: string, taskToken: string, requestId: string): Promise<boolean>;
  /**
   * Posts the creation's end; the token then armed, taken by this call, or undefined when none waits
   * yet. Posting again after the taken token turned out stale (it timed out) leaves the event for the next wait.
   */
  post(createRequestId: string, state: string): Promise<string | undefined>;
}

const WEEK_SECONDS = 7 * 86_400;

export class DynamoCreationWaits extends TableStore implements CreationWaits {
  private key(createRequestId: string) {
    return { pk: `CREATEWAIT#${createRequestId}`, sk: "WAIT" };
  }

  private expiresAt(): number {
    return Math.floor(Date.now() / 1000) + WEEK_SECONDS;
  }

  async arm(createRequestId: string, taskToken: string, requestId: string): Promise<boolean> {
    // The event, if any, is removed in the same write that arms the token: it resumes this wait only.
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(createRequestId),
        UpdateExpression: "SET taskToken = :t, requestId = :r, expiresAt = :e REMOVE ended",
        ExpressionAttributeValues: { ":t": taskToken, ":r": requestId, ":e": this.expiresAt() },
        ReturnValues: "ALL_OLD",
      }),
    );
    return typeof out.Attributes?.ended === "string";
  }

  async post(createRequestId: string, state: string): Promise<string | undefined> {
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(createRequestId),
        UpdateExpression: "SET ended = :s, expiresAt = :e",
        ExpressionAttributeValues: { ":s": state, ":e": this.expiresAt() },
        ReturnValues: "ALL_NEW",
      }),
    );
    const token = out.Attributes?.taskToken;
    if (typeof token !== "string") return undefined;
    // Take the token and the event together, but only if that token is still the one armed: a task
    // that armed meanwhile took the event itself (arm removes it), and resumes itself.
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(createRequestId),
          UpdateExpression: "REMOVE taskToken, ended",
          ConditionExpression: "taskToken = :t",
          ExpressionAttributeValues: { ":t": token },
        }),
      );
      return token;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return undefined;
      throw error;
    }
  }
}
