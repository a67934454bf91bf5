import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { isAwsError } from "../../aws/classify";
import { parseStored } from "../parse";
import { TableStore } from "../table-store";
import {
  type AccountOutcome,
  type AccountReport,
  AccountReportSchema,
  type CleanupRun,
  CleanupRunHeadSchema,
  type CleanupRunPage,
  EMPTY_SUMMARY,
  type FailedAccount,
  FailedAccountSchema,
  type Refusal,
  RefusalSchema,
  type RegionProgress,
  RegionProgressSchema,
  type RunCursor,
  withRegionProgress,
} from "./record";
import { type AccountProgress, type CleanupStore, worstFirst } from "./store";

const runPk = (id: string) => `RUN#${id}`;
const runKey = (id: string) => ({ pk: runPk(id), sk: "RUN" });
const accountSk = (accountId: string) => `ACCOUNT#${accountId}`;
const regionSk = (accountId: string, region: string) => `ACCOUNT#${accountId}#REGION#${region}`;
/** After every item of an account (its report, then its regions): `~` sorts after `#` and every digit. */
const afterAccount = (accountId: string) => `ACCOUNT#${accountId}#~`;
const refusedSk = (accountId: string) => `REFUSED#${accountId}`;
const failedSk = (accountId: string) => `FAILED#${accountId}`;
/** The counts an account's outcome adds to, and the value each adds. */
const COUNTS = [
  ["finished", ":one"],
  ["deleted", ":d"],
  ["skipped", ":s"],
  ["failed", ":f"],
  ["accountsFailed", ":af"],
] as const;
/** A list's cursor once it is served whole. */
const DONE = "~";
/** Days a run's items are kept (the table's TTL, `expiresAt`): a run's report is read the next morning, not the next year. */
export const RUN_RETENTION_DAYS = 90;
const expiresAt = () => Math.floor(Date.now() / 1000) + RUN_RETENTION_DAYS * 86_400;
/** Accounts' plan entries written at once (5,000 accounts: 200 rounds of about 10 ms). */
const PLAN_WRITERS = 25;
/** Items DynamoDB takes in one BatchWriteItem. */
const BATCH = 25;

type Item = Record<string, unknown>;

/** CleanupStore on the project's table: a head item per run, an item per account report, region under way, refusal and failed account. */
export class DynamoCleanupStore extends TableStore implements CleanupStore {
  async createRun(run: CleanupRun): Promise<CleanupRun> {
    const { accounts: _reports, refused: _refused, ...item } = run;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...runKey(run.runId),
            ...item,
            summary: run.summary ?? EMPTY_SUMMARY,
            expiresAt: expiresAt(),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
    }
    return (await this.getRun(run.runId)) ?? run;
  }

  private async head(runId: string) {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _ttl, ...run } = out.Item;
    return parseStored(CleanupRunHeadSchema, run, "clean-up run");
  }

  async getRun(runId: string): Promise<CleanupRun | undefined> {
    const page = await this.getRunPage(runId, { limit: Number.MAX_SAFE_INTEGER });
    if (!page) return undefined;
    const { next: _next, ...run } = page;
    return run;
  }

  async getRunPage(
    runId: string,
    page: { limit: number; after?: RunCursor },
  ): Promise<CleanupRunPage | undefined> {
    const head = await this.head(runId);
    if (!head) return undefined;
    const { refused: legacyRefused, summary, ...rest } = head;
    if (page.limit === 0) return { ...rest, summary: summary ?? EMPTY_SUMMARY, accounts: [], refused: [] };
    const accounts = await this.accountPage(runId, page.limit, page.after?.account);
    const refused = legacyRefused?.length
      ? slicePage(legacyRefused, page.limit, page.after?.refused)
      : await this.refusedPage(runId, page.limit, page.after?.refused);
    const next: RunCursor = {
      account: accounts.more ? accounts.items.at(-1)?.accountId : DONE,
      refused: refused.more ? refused.items.at(-1)?.accountId : DONE,
    };
    const more = next.account !== DONE || next.refused !== DONE;
    return {
      ...rest,
      summary: summary ?? {
        ...EMPTY_SUMMARY,
        accounts: accounts.items.length,
        refused: refused.items.length,
      },
      accounts: accounts.items,
      refused: refused.items,
      ...(more ? { next } : {}),
    };
  }

  /** Up to `limit` account reports after `after`, each with its regions folded in; `more` when others follow. */
  private async accountPage(runId: string, limit: number, after?: string) {
    if (after === DONE) return { items: [], more: false };
    const from = after ? afterAccount(after) : "ACCOUNT#";
    const reports: AccountReport[] = [];
    const regions = new Map<string, RegionProgress[]>();
    let more = false;
    await this.query(runId, { from, to: "ACCOUNT#~" }, (item) => {
      const sk = String(item.sk);
      if (item.progress !== undefined) {
        const accountId = String(item.accountId);
        const progress = parseStored(RegionProgressSchema, item.progress, "clean-up region progress");
        regions.set(accountId, [...(regions.get(accountId) ?? []), progress]);
        return true;
      }
      // An account planned whose steps have not started yet is not in the report until they do.
      if (!sk.includes("#REGION#") && item.report !== undefined) {
        // The first item of the account after the page's last: the page is whole.
        if (reports.length === limit) {
          more = true;
          return false;
        }
        reports.push(parseStored(AccountReportSchema, item.report, "clean-up account report"));
      }
      return true;
    });
    return {
      items: reports.map((r) => withRegionProgress(r, regions.get(r.accountId) ?? [])),
      more,
    };
  }

  private async refusedPage(runId: string, limit: number, after?: string) {
    if (after === DONE) return { items: [], more: false };
    const items: Refusal[] = [];
    let more = false;
    await this.query(
      runId,
      { from: after ? `${refusedSk(after)}#` : "REFUSED#", to: "REFUSED#~" },
      (item) => {
        if (items.length === limit) {
          more = true;
          return false;
        }
        items.push(parseStored(RefusalSchema, item.refusal, "clean-up refusal"));
        return true;
      },
    );
    return { items, more };
  }

  /** Reads the run's items with sort keys in [from, to], in order, page by page, until `take` says stop. */
  private async query(runId: string, range: { from: string; to: string }, take: (item: Item) => boolean) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":pk": runPk(runId), ":from": range.from, ":to": range.to },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) if (!take(item)) return;
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** Sets the given fields; a field given as undefined is removed. */
  async updateRun(
    runId: string,
    patch: Partial<Omit<CleanupRun, "runId" | "accounts" | "refused" | "summary">>,
  ): Promise<void> {
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

  async recordPlan(
    runId: string,
    plan: { accounts: { accountId: string; name: string }[]; refused: Refusal[] },
  ): Promise<void> {
    // An update, not a put: a retried run's accounts keep their report and their finish.
    const pending = [...plan.accounts];
    const worker = async () => {
      for (let account = pending.pop(); account; account = pending.pop()) {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: runPk(runId), sk: accountSk(account.accountId) },
            UpdateExpression: "SET planned = :account, expiresAt = :ttl",
            ExpressionAttributeValues: { ":account": account, ":ttl": expiresAt() },
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: PLAN_WRITERS }, worker));
    await this.batchWrite(
      plan.refused.map((refusal) => ({
        PutRequest: {
          Item: { pk: runPk(runId), sk: refusedSk(refusal.accountId), refusal, expiresAt: expiresAt() },
        },
      })),
    );
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        ConditionExpression: "attribute_exists(pk)",
        UpdateExpression: "SET summary.accounts = :a, summary.refused = :r",
        ExpressionAttributeValues: { ":a": plan.accounts.length, ":r": plan.refused.length },
      }),
    );
  }

  async putRegionProgress(runId: string, accountId: string, progress: RegionProgress): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: runPk(runId),
          sk: regionSk(accountId, progress.region),
          accountId,
          progress,
          expiresAt: expiresAt(),
        },
      }),
    );
  }

  async getRegionProgress(runId: string, accountId: string, region: string) {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: runPk(runId), sk: regionSk(accountId, region) },
        ConsistentRead: true,
      }),
    );
    return out.Item?.progress === undefined
      ? undefined
      : parseStored(RegionProgressSchema, out.Item.progress, "clean-up region progress");
  }

  async getAccountProgress(runId: string, accountId: string): Promise<AccountProgress> {
    const progress: AccountProgress = { finished: false, regions: [] };
    await this.query(runId, { from: accountSk(accountId), to: afterAccount(accountId) }, (item) => {
      if (item.progress !== undefined)
        progress.regions.push(parseStored(RegionProgressSchema, item.progress, "clean-up region progress"));
      else {
        if (item.report !== undefined)
          progress.report = parseStored(AccountReportSchema, item.report, "clean-up account report");
        progress.finished = item.finishedAt !== undefined;
      }
      return true;
    });
    return progress;
  }

  async putAccountReport(runId: string, report: AccountReport): Promise<void> {
    // The report head is replaced; whether the account has finished is kept.
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: runPk(runId), sk: accountSk(report.accountId) },
        UpdateExpression: "SET #report = :report, expiresAt = :ttl",
        ExpressionAttributeNames: { "#report": "report" },
        ExpressionAttributeValues: { ":report": report, ":ttl": expiresAt() },
      }),
    );
  }

  async finishAccount(
    runId: string,
    account: { accountId: string; name: string },
    outcome: AccountOutcome,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: accountSk(account.accountId) },
          ConditionExpression: "attribute_not_exists(finishedAt)",
          UpdateExpression: "SET finishedAt = :yes, outcome = :outcome",
          ExpressionAttributeValues: { ":yes": true, ":outcome": outcome },
        }),
      );
    } catch (error) {
      // Finished already (a retried task): its outcome is counted once.
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
    if (outcome.worst) {
      const failed: FailedAccount = {
        accountId: account.accountId,
        name: account.name,
        failed: outcome.failed,
        accountFailed: outcome.accountFailed,
        ...outcome.worst,
      };
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: runPk(runId), sk: failedSk(account.accountId), failed, expiresAt: expiresAt() },
        }),
      );
    }
    // Not one transaction with the mark above: every account updates this one item, and concurrent
    // transactions on an item cancel each other. A count lost between the two (the function stopped
    // there) shows as finished < accounts, and the run's end counts again from the accounts' items.
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        ConditionExpression: "attribute_exists(pk)",
        // ADD takes top-level attributes only; SET adds to the nested counts createRun made.
        UpdateExpression: `SET ${COUNTS.map(([field, value]) => `summary.${field} = summary.${field} + ${value}`).join(", ")}`,
        ExpressionAttributeValues: {
          ":one": 1,
          ":d": outcome.deleted,
          ":s": outcome.skipped,
          ":f": outcome.failed,
          ":af": outcome.accountFailed ? 1 : 0,
        },
      }),
    );
    return true;
  }

  async recountSummary(runId: string): Promise<void> {
    const counts = { finished: 0, deleted: 0, skipped: 0, failed: 0, accountsFailed: 0 };
    await this.query(runId, { from: "ACCOUNT#", to: "ACCOUNT#~" }, (item) => {
      if (item.finishedAt === undefined || item.outcome === undefined) return true;
      const outcome = item.outcome as AccountOutcome;
      counts.finished += 1;
      counts.deleted += Number(outcome.deleted) || 0;
      counts.skipped += Number(outcome.skipped) || 0;
      counts.failed += Number(outcome.failed) || 0;
      counts.accountsFailed += outcome.accountFailed ? 1 : 0;
      return true;
    });
    const fields = Object.entries(counts);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        ConditionExpression: "attribute_exists(pk)",
        UpdateExpression: `SET ${fields.map(([field]) => `summary.${field} = :${field}`).join(", ")}`,
        ExpressionAttributeValues: Object.fromEntries(fields.map(([field, n]) => [`:${field}`, n])),
      }),
    );
  }

  async failedAccounts(runId: string, limit: number) {
    const found: FailedAccount[] = [];
    await this.query(runId, { from: "FAILED#", to: "FAILED#~" }, (item) => {
      found.push(parseStored(FailedAccountSchema, item.failed, "clean-up failed account"));
      return true;
    });
    return { worst: found.sort(worstFirst).slice(0, limit), total: found.length };
  }

  async resetFailedAccounts(runId: string): Promise<number> {
    const failed: string[] = [];
    await this.query(runId, { from: "FAILED#", to: "FAILED#~" }, (item) => {
      failed.push(String(item.sk).slice("FAILED#".length));
      return true;
    });
    for (const accountId of failed) {
      const keys: string[] = [failedSk(accountId)];
      await this.query(runId, { from: accountSk(accountId), to: afterAccount(accountId) }, (item) => {
        keys.push(String(item.sk));
        return true;
      });
      await this.batchWrite(keys.map((sk) => ({ DeleteRequest: { Key: { pk: runPk(runId), sk } } })));
    }
    await this.recountSummary(runId);
    return failed.length;
  }

  /** BatchWriteItem in batches of 25, writing again what DynamoDB left unprocessed. */
  private async batchWrite(requests: Record<string, unknown>[]) {
    for (let i = 0; i < requests.length; i += BATCH) {
      let pending: Record<string, unknown>[] | undefined = requests.slice(i, i + BATCH);
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt === 10)
          throw new Error(`DynamoDB left ${pending.length} writes unprocessed after 10 attempts`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const out = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }),
        );
        pending = out.UnprocessedItems?.[this.tableName] as Record<string, unknown>[] | undefined;
      }
    }
  }

  async accountStates(runId: string) {
    type State = {
      account?: { accountId: string; name: string };
      report?: AccountReport;
      finished: boolean;
      regions: RegionProgress[];
    };
    const byAccount = new Map<string, State>();
    await this.query(runId, { from: "ACCOUNT#", to: "ACCOUNT#~" }, (item) => {
      const accountId =
        item.progress !== undefined ? String(item.accountId) : String(item.sk).slice("ACCOUNT#".length);
      const entry = byAccount.get(accountId) ?? { finished: false, regions: [] };
      if (item.progress !== undefined)
        entry.regions.push(parseStored(RegionProgressSchema, item.progress, "clean-up region progress"));
      else {
        if (item.report !== undefined)
          entry.report = parseStored(AccountReportSchema, item.report, "clean-up account report");
        const planned = item.planned as { accountId?: unknown; name?: unknown } | undefined;
        entry.account = {
          accountId,
          name: String(entry.report?.name ?? planned?.name ?? accountId),
        };
        entry.finished = item.finishedAt !== undefined;
      }
      byAccount.set(accountId, entry);
      return true;
    });
    return [...byAccount.values()].flatMap((e) =>
      e.account ? [{ account: e.account, report: e.report, finished: e.finished, regions: e.regions }] : [],
    );
  }
}

/** A page of a list held whole (refusals of runs stored before they became items). */
function slicePage(list: Refusal[], limit: number, after?: string) {
  if (after === DONE) return { items: [], more: false };
  const sorted = [...list].sort((a, b) => a.accountId.localeCompare(b.accountId));
  const start = after ? sorted.findIndex((r) => r.accountId > after) : 0;
  const rest = start < 0 ? [] : sorted.slice(start);
  return { items: rest.slice(0, limit), more: rest.length > limit };
}
