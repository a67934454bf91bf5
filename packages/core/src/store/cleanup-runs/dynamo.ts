import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isAwsError } from "../../aws/classify";
import { parseStored } from "../parse";
import { TableStore } from "../table-store";
import {
  type AccountReport,
  AccountReportSchema,
  type CleanupRun,
  CleanupRunHeadSchema,
  mergeRegion,
  type RegionProgress,
  RegionProgressSchema,
  regionReportOf,
} from "./record";
import type { CleanupStore } from "./store";

const runKey = (id: string) => ({ pk: `RUN#${id}`, sk: "RUN" });
const regionSk = (accountId: string, region: string) => `ACCOUNT#${accountId}#REGION#${region}`;

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
    const { reports, progress } = await this.runItems(runId);
    // Each region's progress is its report: it fills in the account's as the region goes.
    for (const { accountId, progress: p } of progress) {
      const report = reports.find((r) => r.accountId === accountId);
      if (!report) continue;
      report.regions = mergeRegion(report.regions, regionReportOf(p));
    }
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

  async putRegionProgress(runId: string, accountId: string, progress: RegionProgress): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `RUN#${runId}`, sk: regionSk(accountId, progress.region), accountId, progress },
      }),
    );
  }

  async getRegionProgress(runId: string, accountId: string, region: string) {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `RUN#${runId}`, sk: regionSk(accountId, region) },
        ConsistentRead: true,
      }),
    );
    return out.Item?.progress === undefined
      ? undefined
      : parseStored(RegionProgressSchema, out.Item.progress, "clean-up region progress");
  }

  async unfinishedRegions(runId: string) {
    return (await this.runItems(runId)).progress.filter((p) => !p.progress.done);
  }

  /** A run's account reports and region progress items, every page read. */
  private async runItems(runId: string) {
    const reports: AccountReport[] = [];
    const progress: { accountId: string; progress: RegionProgress }[] = [];
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
      for (const item of page.Items ?? []) {
        if (item.progress !== undefined) {
          progress.push({
            accountId: String(item.accountId),
            progress: parseStored(RegionProgressSchema, item.progress, "clean-up region progress"),
          });
        } else reports.push(parseStored(AccountReportSchema, item.report, "clean-up account report"));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { reports, progress };
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
