import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { isAwsError } from "../aws/classify";
import { ConflictError } from "../errors";
import { parseStored } from "./parse";
import { setExpression, TableStore } from "./table-store";

export const CHANGE_KINDS = [
  "ou",
  "scp",
  "scpTarget",
  "group",
  "member",
  "permissionSet",
  "assignment",
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One change of a plan: what it does to which key, field by field. */
export const ChangeSchema = z.object({
  action: z.enum(["create", "update", "delete"]),
  kind: z.enum(CHANGE_KINDS),
  key: z.string(),
  fields: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })).optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export type Change = z.infer<typeof ChangeSchema>;

/** An operation Identity Center runs asynchronously, awaited before the apply moves on. */
export const PendingSchema = z.object({
  type: z.enum(["provisioning", "assignment", "unassignment"]),
  requestId: z.string(),
  key: z.string(),
});
export type Pending = z.infer<typeof PendingSchema>;

/** At most this many unmanaged entries are kept on a plan (the summary counts them all). */
export const MAX_KEPT_UNMANAGED = 1000;

/** A plan's counts, whole on every page of its changes. */
export const PlanSummarySchema = z.object({
  create: z.number(),
  update: z.number(),
  delete: z.number(),
  unchanged: z.number(),
  unmanaged: z.number(),
  refused: z.number(),
});
export type PlanSummary = z.infer<typeof PlanSummarySchema>;

export const PlanSchema = z.object({
  planId: z.string(),
  status: z.enum(["PLANNING", "READY", "APPLYING", "APPLIED", "FAILED"]),
  prune: z.boolean(),
  /** The document, validated, defaults filled in. */
  baseline: z.record(z.string(), z.unknown()),
  summary: PlanSummarySchema.optional(),
  total: z.number().optional(),
  unmanaged: z.array(z.object({ kind: z.string(), key: z.string() })).optional(),
  refused: z.array(z.object({ key: z.string(), reason: z.string() })).optional(),
  /** The apply's place: the next change, and what Identity Center is still doing. */
  cursor: z.number().optional(),
  pending: z.array(PendingSchema).optional(),
  error: z.object({ code: z.string(), message: z.string(), key: z.string().optional() }).optional(),
  executionArn: z.string().optional(),
  applyExecutionArn: z.string().optional(),
  /** Who asked for the plan and the apply, where known. */
  createdBy: z.string().optional(),
  appliedBy: z.string().optional(),
  createdAt: z.string(),
  appliedAt: z.string().optional(),
  updatedAt: z.string(),
});
export type Plan = z.infer<typeof PlanSchema>;

/** The baseline last applied: vending and the next plans read it. */
export const AppliedBaselineSchema = z.object({
  planId: z.string(),
  appliedAt: z.string(),
  /** When its plan was made: a plan made before it is refused (409). */
  plannedAt: z.string(),
  baseline: z.record(z.string(), z.unknown()),
});
export type AppliedBaseline = z.infer<typeof AppliedBaselineSchema>;

export type PlanPatch = Partial<Omit<Plan, "planId" | "createdAt" | "baseline" | "prune">>;

export interface BaselineStore {
  create(plan: Plan): Promise<void>;
  get(planId: string): Promise<Plan | undefined>;
  update(planId: string, patch: PlanPatch): Promise<void>;
  /** Moves a plan from one status to another; false when it was not in `from`. */
  transition(
    planId: string,
    from: Plan["status"],
    patch: PlanPatch & { status: Plan["status"] },
  ): Promise<boolean>;
  /** Writes a plan's changes, numbered in order (rewriting the same numbers is harmless). */
  putChanges(planId: string, changes: Change[], from?: number): Promise<void>;
  /** A page of changes from `from` (its number), and the number after the last. */
  changes(
    planId: string,
    page: { from: number; limit: number },
  ): Promise<{ changes: Change[]; next?: number }>;
  /** The last applied baseline. */
  current(): Promise<AppliedBaseline | undefined>;
  /** Records `plan` as applied: the plan APPLIED and the current baseline in one transaction. */
  markApplied(plan: Plan, appliedAt: string): Promise<void>;
}

const pk = (id: string) => `BASELINE#${id}`;
const head = (id: string) => ({ pk: pk(id), sk: "PLAN" });
const CURRENT = { pk: "BASELINE", sk: "CURRENT" };
const changeSk = (n: number) => `CHANGE#${String(n).padStart(7, "0")}`;
/** Plans and their changes are kept 90 days; the current baseline, always. */
const expiresAt = (from: string) => Math.floor(Date.parse(from) / 1000) + 90 * 86_400;

/** BaselineStore on the project's table: a plan's head item, one item per change, the current baseline. */
export class DynamoBaselineStore extends TableStore implements BaselineStore {
  async create(plan: Plan): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...head(plan.planId), ...plan, expiresAt: expiresAt(plan.createdAt) },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
    }
  }

  async get(planId: string): Promise<Plan | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: head(planId), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _ttl, ...plan } = out.Item;
    return parseStored(PlanSchema, plan, "baseline plan");
  }

  async update(planId: string, patch: PlanPatch): Promise<void> {
    if (Object.values(patch).every((v) => v === undefined)) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: head(planId),
        ConditionExpression: "attribute_exists(pk)",
        ...setExpression(patch),
      }),
    );
  }

  async transition(planId: string, from: Plan["status"], patch: PlanPatch & { status: Plan["status"] }) {
    const set = setExpression(patch);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: head(planId),
          ConditionExpression: "attribute_exists(pk) AND #from = :from",
          ...set,
          ExpressionAttributeNames: { ...set.ExpressionAttributeNames, "#from": "status" },
          ExpressionAttributeValues: { ...set.ExpressionAttributeValues, ":from": from },
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
  }

  async putChanges(planId: string, changes: Change[], from = 0): Promise<void> {
    const ttl = Math.floor(Date.now() / 1000) + 90 * 86_400;
    await this.batchPut(
      changes.map((change, j) => ({ pk: pk(planId), sk: changeSk(from + j), change, expiresAt: ttl })),
    );
  }

  async changes(planId: string, page: { from: number; limit: number }) {
    const found: Change[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":pk": pk(planId), ":from": changeSk(page.from), ":to": "CHANGE#~" },
          ConsistentRead: true,
          Limit: page.limit + 1 - found.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? [])
        found.push(parseStored(ChangeSchema, item.change, "baseline change"));
      start = out.LastEvaluatedKey;
    } while (start && found.length <= page.limit);
    const more = found.length > page.limit;
    return more ? { changes: found.slice(0, page.limit), next: page.from + page.limit } : { changes: found };
  }

  async current(): Promise<AppliedBaseline | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: CURRENT, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...applied } = out.Item;
    return parseStored(AppliedBaselineSchema, applied, "applied baseline");
  }

  async markApplied(plan: Plan, appliedAt: string): Promise<void> {
    const current: AppliedBaseline = {
      planId: plan.planId,
      appliedAt,
      plannedAt: plan.createdAt,
      baseline: plan.baseline,
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: head(plan.planId),
                ConditionExpression: "#s = :applying",
                UpdateExpression: "SET #s = :applied, appliedAt = :at, updatedAt = :at REMOVE pending",
                ExpressionAttributeNames: { "#s": "status" },
                ExpressionAttributeValues: {
                  ":applying": "APPLYING",
                  ":applied": "APPLIED",
                  ":at": appliedAt,
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...CURRENT, ...current },
                // A later plan applied first stays the current one.
                ConditionExpression: "attribute_not_exists(pk) OR plannedAt <= :planned",
                ExpressionAttributeValues: { ":planned": plan.createdAt },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (isAwsError(error, "TransactionCanceledException"))
        throw new ConflictError(
          "PLAN_SUPERSEDED",
          `Plan ${plan.planId} is not applying, or a later plan was applied first`,
          {
            cause: error,
          },
        );
      throw error;
    }
  }
}
