import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { isAwsError } from "../aws/classify";
import { PlanSummarySchema } from "./baseline-plans";
import { parseStored } from "./parse";
import { setExpression, TableStore } from "./table-store";

/** One difference between what a request asked for and what AWS holds. */
export const DriftFindingSchema = z.object({
  kind: z.enum(["ou", "tag", "budget", "assignment"]),
  key: z.string(),
  expected: z.unknown(),
  actual: z.unknown(),
});

/** A drifted account of a check: its request, and what drifted. */
export const DriftedAccountSchema = z.object({
  accountId: z.string(),
  requestId: z.string(),
  accountName: z.string(),
  findings: z.array(DriftFindingSchema),
});
export type DriftedAccount = z.infer<typeof DriftedAccountSchema>;

/** An account a check did not compare: closed, being closed, its lease ending, in the closed OU. */
export const DriftExcludedSchema = z.object({
  accountId: z.string(),
  requestId: z.string().optional(),
  reason: z.string(),
});
export type DriftExcluded = z.infer<typeof DriftExcludedSchema>;

const ErrorSchema = z.object({ code: z.string(), message: z.string() });

export const DriftCheckSchema = z.object({
  checkId: z.string(),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED"]),
  trigger: z.enum(["api", "schedule"]),
  requestedBy: z.string().optional(),
  /** How many accounts the check compares (its fan-out's items). */
  total: z.number().optional(),
  /** How many accounts the check left out before comparing any (closed, closing, leases ending). */
  excludedAtStart: z.number().optional(),
  summary: z.object({ checked: z.number(), drifted: z.number(), excluded: z.number() }).optional(),
  /** The baseline's part: the plan that compares the last applied document with the organisation. */
  baseline: z
    .object({
      planId: z.string().optional(),
      appliedPlanId: z.string().optional(),
      summary: PlanSummarySchema.optional(),
      error: ErrorSchema.optional(),
    })
    .optional(),
  error: ErrorSchema.optional(),
  executionArn: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
});
export type DriftCheck = z.infer<typeof DriftCheckSchema>;
export type DriftCheckPatch = Partial<Omit<DriftCheck, "checkId" | "startedAt" | "trigger">>;

/** What a repair did to one account: repaired (with what it did), skipped or failed (with why). */
export const RepairOutcomeSchema = z.object({
  accountId: z.string(),
  outcome: z.enum(["repaired", "skipped", "failed"]),
  reason: z.string().optional(),
  actions: z.array(z.string()).optional(),
});
export type RepairOutcome = z.infer<typeof RepairOutcomeSchema>;

export const DriftRepairSchema = z.object({
  repairId: z.string(),
  checkId: z.string(),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED"]),
  /** The accounts named in the request; all of the check's drifted accounts when absent. */
  requestedAccounts: z.array(z.string()).optional(),
  requestedBy: z.string().optional(),
  total: z.number().optional(),
  error: ErrorSchema.optional(),
  executionArn: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
});
export type DriftRepair = z.infer<typeof DriftRepairSchema>;
export type DriftRepairPatch = Partial<Omit<DriftRepair, "repairId" | "checkId" | "startedAt">>;

/** A check's result for one account: drifted (with findings), clean, or excluded (with why). */
export type AccountResult =
  | { outcome: "drifted"; account: DriftedAccount }
  | { outcome: "clean"; accountId: string }
  | { outcome: "excluded"; excluded: DriftExcluded };

export interface DriftStore {
  /** Creates the check unless it exists; returns the stored one either way. */
  createCheck(check: DriftCheck): Promise<DriftCheck>;
  getCheck(checkId: string): Promise<DriftCheck | undefined>;
  updateCheck(checkId: string, patch: DriftCheckPatch): Promise<void>;
  /** Records an account's result; a second result for it replaces the first. */
  putResult(checkId: string, result: AccountResult): Promise<void>;
  /** Records accounts the check leaves out before it compares anything. */
  putExcluded(checkId: string, excluded: DriftExcluded[]): Promise<void>;
  /** A page of drifted accounts, then excluded ones, after `after` (the last key of the page before). */
  page(
    checkId: string,
    options: { after?: string; limit: number },
  ): Promise<{ accounts: DriftedAccount[]; excluded: DriftExcluded[]; next?: string }>;
  /** How many accounts were drifted, clean and excluded. */
  counts(checkId: string): Promise<{ drifted: number; clean: number; excluded: number }>;
  createRepair(repair: DriftRepair): Promise<DriftRepair>;
  getRepair(repairId: string): Promise<DriftRepair | undefined>;
  updateRepair(repairId: string, patch: DriftRepairPatch): Promise<void>;
  putRepairOutcome(repairId: string, outcome: RepairOutcome): Promise<void>;
  repairOutcomes(repairId: string): Promise<RepairOutcome[]>;
}

const checkPk = (id: string) => `DRIFT#${id}`;
const repairPk = (id: string) => `DRIFTREPAIR#${id}`;
const HEAD = "HEAD";
/** Result keys sort drifted (`D#`) before excluded (`E#`); clean ones (`C#`) are counted, never listed. */
const PREFIX = { drifted: "D#", clean: "C#", excluded: "E#" } as const;
/** Checks and repairs are kept 90 days. */
const expiresAt = () => Math.floor(Date.now() / 1000) + 90 * 86_400;

function strip(item: Record<string, unknown>) {
  const { pk: _pk, sk: _sk, expiresAt: _ttl, ...rest } = item;
  return rest;
}

/** DriftStore on the project's table: a check's head item and one item per account result; a repair's likewise. */
export class DynamoDriftStore extends TableStore implements DriftStore {
  private async putHead(pk: string, value: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk, sk: HEAD, ...value, expiresAt: expiresAt() },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
  }

  private async getHead(pk: string) {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk, sk: HEAD }, ConsistentRead: true }),
    );
    return out.Item ? strip(out.Item) : undefined;
  }

  private async updateHead(pk: string, patch: Record<string, unknown>) {
    if (Object.values(patch).every((v) => v === undefined)) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk, sk: HEAD },
        ConditionExpression: "attribute_exists(pk)",
        ...setExpression(patch),
      }),
    );
  }

  private async query(pk: string, from: string, to: string, after?: string, limit?: number) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined = after ? { pk, sk: after } : undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":pk": pk, ":from": from, ":to": to },
          ConsistentRead: true,
          ExclusiveStartKey: start,
          ...(limit === undefined ? {} : { Limit: limit + 1 - items.length }),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && (limit === undefined || items.length <= limit));
    return items;
  }

  private async count(pk: string, prefix: string): Promise<number> {
    let total = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": pk, ":prefix": prefix },
          Select: "COUNT",
          ExclusiveStartKey: start,
        }),
      );
      total += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return total;
  }

  async createCheck(check: DriftCheck): Promise<DriftCheck> {
    if (await this.putHead(checkPk(check.checkId), check)) return check;
    return (await this.getCheck(check.checkId)) ?? check;
  }

  async getCheck(checkId: string): Promise<DriftCheck | undefined> {
    const item = await this.getHead(checkPk(checkId));
    return item ? parseStored(DriftCheckSchema, item, "drift check") : undefined;
  }

  updateCheck(checkId: string, patch: DriftCheckPatch): Promise<void> {
    return this.updateHead(checkPk(checkId), patch);
  }

  async putResult(checkId: string, result: AccountResult): Promise<void> {
    const pk = checkPk(checkId);
    const accountId =
      result.outcome === "drifted"
        ? result.account.accountId
        : result.outcome === "clean"
          ? result.accountId
          : result.excluded.accountId;
    const value =
      result.outcome === "drifted"
        ? { account: result.account }
        : result.outcome === "excluded"
          ? { excluded: result.excluded }
          : {};
    // One result per account: a child run twice (a retried task) replaces what it wrote, whatever it was.
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: (Object.keys(PREFIX) as (keyof typeof PREFIX)[]).map((outcome) =>
          outcome === result.outcome
            ? {
                Put: {
                  TableName: this.tableName,
                  Item: { pk, sk: `${PREFIX[outcome]}${accountId}`, ...value, expiresAt: expiresAt() },
                },
              }
            : { Delete: { TableName: this.tableName, Key: { pk, sk: `${PREFIX[outcome]}${accountId}` } } },
        ),
      }),
    );
  }

  async putExcluded(checkId: string, excluded: DriftExcluded[]): Promise<void> {
    const pk = checkPk(checkId);
    await this.batchPut(
      excluded.map((e) => ({
        pk,
        sk: `${PREFIX.excluded}${e.accountId}`,
        excluded: e,
        expiresAt: expiresAt(),
      })),
    );
  }

  async page(checkId: string, options: { after?: string; limit: number }) {
    const items = await this.query(
      checkPk(checkId),
      PREFIX.drifted,
      `${PREFIX.excluded}~`,
      options.after,
      options.limit,
    );
    const more = items.length > options.limit;
    const kept = items.slice(0, options.limit);
    const accounts: DriftedAccount[] = [];
    const excluded: DriftExcluded[] = [];
    for (const item of kept) {
      if (String(item.sk).startsWith(PREFIX.drifted))
        accounts.push(parseStored(DriftedAccountSchema, item.account, "drifted account"));
      else excluded.push(parseStored(DriftExcludedSchema, item.excluded, "excluded account"));
    }
    const last = kept.at(-1)?.sk;
    return { accounts, excluded, ...(more && typeof last === "string" ? { next: last } : {}) };
  }

  async counts(checkId: string) {
    const pk = checkPk(checkId);
    return {
      drifted: await this.count(pk, PREFIX.drifted),
      clean: await this.count(pk, PREFIX.clean),
      excluded: await this.count(pk, PREFIX.excluded),
    };
  }

  async createRepair(repair: DriftRepair): Promise<DriftRepair> {
    if (await this.putHead(repairPk(repair.repairId), repair)) return repair;
    return (await this.getRepair(repair.repairId)) ?? repair;
  }

  async getRepair(repairId: string): Promise<DriftRepair | undefined> {
    const item = await this.getHead(repairPk(repairId));
    return item ? parseStored(DriftRepairSchema, item, "drift repair") : undefined;
  }

  updateRepair(repairId: string, patch: DriftRepairPatch): Promise<void> {
    return this.updateHead(repairPk(repairId), patch);
  }

  async putRepairOutcome(repairId: string, outcome: RepairOutcome): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: repairPk(repairId), sk: `A#${outcome.accountId}`, outcome, expiresAt: expiresAt() },
      }),
    );
  }

  async repairOutcomes(repairId: string): Promise<RepairOutcome[]> {
    const items = await this.query(repairPk(repairId), "A#", "A#~");
    return items.map((item) => parseStored(RepairOutcomeSchema, item.outcome, "repair outcome"));
  }
}
