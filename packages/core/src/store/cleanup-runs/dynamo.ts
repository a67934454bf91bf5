import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isAwsError } from "../../aws/classify";
import { parseStored } from "../parse";
import { TableStore } from "../table-store";
import { type AccountReport, AccountReportSchema, type CleanupRun, CleanupRunHeadSchema } from "./record";
import type { CleanupStore } from "./store";

const runKey = (id: string) => ({ pk: `RUN#${id}`, sk: "RUN" });

/** CleanupStore on the project's table: one item per run, one per account report. */
export class DynamoCleanupStore extends TableStore implements CleanupStore {
  async createRun(run: CleanupRun): Promise<CleanupRun> {
    const { accounts: _reports, ...item } = run;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runKey(run.runId), ...item },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
    }
    return (await this.getRun(run.runId)) ?? run;
  }

  async getRun(runId: string): Promise<CleanupRun | undefined> {
    const head = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }),
    );
    if (!head.Item) return undefined;
    const reports: AccountReport[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": `RUN#${runId}`, ":prefix": "ACCOUNT#" },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? [])
        reports.push(parseStored(AccountReportSchema, item.report, "clean-up account report"));
      start = page.LastEvaluatedKey;
    } while (start);
    const { pk: _pk, sk: _sk, ...run } = head.Item;
    return {
      ...parseStored(CleanupRunHeadSchema, run, "clean-up run"),
      accounts: reports.sort((a, b) => a.accountId.localeCompare(b.accountId)),
    };
  }

  /** Sets the given fields; a field given as undefined is removed. */
  async updateRun(runId: string, patch: Partial<Omit<CleanupRun, "runId" | "accounts">>): Promise<void> {
    const entries = Object.entries(patch);
    if (entries.length === 0) return;
    const sets = entries.filter(([, v]) => v !== undefined);
    const removes = entries.filter(([, v]) => v === undefined);
    const names = Object.fromEntries(entries.map(([k], i) => [`#k${i}`, k]));
    const nameOf = (key: string) => `#k${entries.findIndex(([k]) => k === key)}`;
    const expression = [
      sets.length ? `SET ${sets.map(([k], i) => `${nameOf(k)} = :v${i}`).join(", ")}` : "",
      removes.length ? `REMOVE ${removes.map(([k]) => nameOf(k)).join(", ")}` : "",
    ]
      .filter(Boolean)
      .join(" ");
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        ConditionExpression: "attribute_exists(pk)",
        UpdateExpression: expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: sets.length
          ? Object.fromEntries(sets.map(([, v], i) => [`:v${i}`, v]))
          : undefined,
      }),
    );
  }

  async putAccountReport(runId: string, report: AccountReport): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `RUN#${runId}`, sk: `ACCOUNT#${report.accountId}`, report },
      }),
    );
  }
}
