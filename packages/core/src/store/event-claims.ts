import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { isAwsError } from "../aws/classify";
import { TableStore } from "./table-store";

/** Event ids claimed for delivery, so a redelivered event is posted once. */
export interface EventClaims {
  /** Claims an event id for delivery; false when it was already claimed (a duplicate delivery). */
  claimEvent(eventId: string): Promise<boolean>;
  /** Releases a claim after a failed delivery so the retried event is posted. */
  releaseEvent(eventId: string): Promise<void>;
}

/** EventClaims on the project's table: one item per event id, kept a week. */
export class DynamoEventClaims extends TableStore implements EventClaims {
  async claimEvent(eventId: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          // Kept a week: EventBridge and SNS redeliver within hours, not days.
          Item: {
            pk: `EVENT#${eventId}`,
            sk: "EVENT",
            expiresAt: Math.floor(Date.now() / 1000) + 7 * 86_400,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
  }

  async releaseEvent(eventId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: `EVENT#${eventId}`, sk: "EVENT" } }),
    );
  }
}
