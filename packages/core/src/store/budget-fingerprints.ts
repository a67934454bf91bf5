import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { TableStore } from "./table-store";

/** The fingerprint of the budget spec last applied under each budget name (see budgets/converge). */
export interface FingerprintStore {
  getBudgetFingerprint(budgetName: string): Promise<string | undefined>;
  putBudgetFingerprint(budgetName: string, fingerprint: string): Promise<void>;
}

/** FingerprintStore on the project's table: one item per budget name. */
export class DynamoFingerprintStore extends TableStore implements FingerprintStore {
  async getBudgetFingerprint(budgetName: string): Promise<string | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `BUDGET#${budgetName}`, sk: "BUDGET" },
        ConsistentRead: true,
      }),
    );
    return typeof out.Item?.fingerprint === "string" ? out.Item.fingerprint : undefined;
  }

  async putBudgetFingerprint(budgetName: string, fingerprint: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `BUDGET#${budgetName}`, sk: "BUDGET", fingerprint },
      }),
    );
  }
}
