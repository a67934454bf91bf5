import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { isAwsError } from "../aws/classify";
import { parseStored } from "./parse";
import { TableStore } from "./table-store";

/** A budget the reconcile created, for one account. */
export const CreatedBudgetSchema = z.object({ accountId: z.string(), budgetName: z.string() });
export type CreatedBudget = z.infer<typeof CreatedBudgetSchema>;

/** At most this many failures are kept on the job (the count has them all). */
export const MAX_KEPT_FAILURES = 10;

/**
 * One budget reconcile (`POST /budgets/reconcile`, or the weekly schedule), as stored: its counts and
 * first failures on one item, each budget it created an item of its own (served a page at a time).
 */
export const ReconcileJobSchema = z.object({
  reconcileId: z.string(),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED"]),
  /** Accounts under the configured OUs that already had a Quartermaster budget. */
  unchanged: z.number(),
  /** Accounts that lacked one, each given it by the fan-out. */
  toCreate: z.number().optional(),
  createdCount: z.number(),
  failedCount: z.number(),
  failures: z.array(z.object({ accountId: z.string(), reason: z.string() })).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  executionArn: z.string().optional(),
  items: z.object({ bucket: z.string(), key: z.string(), count: z.number() }).optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
});
export type ReconcileJob = z.infer<typeof ReconcileJobSchema>;

export interface ReconcileJobStore {
  /** Creates the job unless it exists (a scheduled run's first task, run twice, creates it once). */
  create(job: ReconcileJob): Promise<void>;
  get(reconcileId: string): Promise<ReconcileJob | undefined>;
  update(
    reconcileId: string,
    patch: Partial<Omit<ReconcileJob, "reconcileId" | "createdCount" | "failedCount">>,
  ): Promise<void>;
  /** Records a created budget once (a retried task counts nothing twice); false when it was recorded already. */
  recordCreated(reconcileId: string, created: CreatedBudget): Promise<boolean>;
  /** Records an account whose budget could not be created, once; the job keeps the first few reasons. */
  recordFailed(reconcileId: string, failure: { accountId: string; reason: string }): Promise<boolean>;
  /** A page of the created budgets, in account order, and where the next page starts. */
  createdPage(
    reconcileId: string,
    page: { limit: number; after?: string },
  ): Promise<{ items: CreatedBudget[]; next?: string }>;
}

const pk = (id: string) => `RECONCILE#${id}`;
const key = (id: string) => ({ pk: pk(id), sk: "RECONCILE" });
/** Jobs and their items are kept 30 days. */
const expiresAt = (from: string) => Math.floor(Date.parse(from) / 1000) + 30 * 86_400;

/** ReconcileJobStore on the project's table: one item per job, one per created budget and failure, kept 30 days. */
export class DynamoReconcileJobStore extends TableStore implements ReconcileJobStore {
  async create(job: ReconcileJob): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(job.reconcileId), ...job, expiresAt: expiresAt(job.startedAt) },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
    }
  }

  async get(reconcileId: string): Promise<ReconcileJob | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(reconcileId), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _ttl, ...job } = out.Item;
    return parseStored(ReconcileJobSchema, job, "reconcile job");
  }

  async update(
    reconcileId: string,
    patch: Partial<Omit<ReconcileJob, "reconcileId" | "createdCount" | "failedCount">>,
  ): Promise<void> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(reconcileId),
        ConditionExpression: "attribute_exists(pk)",
        UpdateExpression: `SET ${entries.map((_, i) => `#k${i} = :v${i}`).join(", ")}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#k${i}`, k])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
      }),
    );
  }

  /** Puts an item of the job once; true when this call put it. */
  private async putOnce(reconcileId: string, sk: string, item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: pk(reconcileId), sk, ...item, expiresAt: Math.floor(Date.now() / 1000) + 30 * 86_400 },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
  }

  async recordCreated(reconcileId: string, created: CreatedBudget): Promise<boolean> {
    if (!(await this.putOnce(reconcileId, `CREATED#${created.accountId}`, { created }))) return false;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(reconcileId),
        ConditionExpression: "attribute_exists(pk)",
        UpdateExpression: "ADD createdCount :one",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
    return true;
  }

  async recordFailed(reconcileId: string, failure: { accountId: string; reason: string }): Promise<boolean> {
    if (!(await this.putOnce(reconcileId, `FAILED#${failure.accountId}`, { failure }))) return false;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(reconcileId),
        ConditionExpression: "attribute_exists(pk)",
        UpdateExpression: "ADD failedCount :one",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
    // The first few reasons on the job itself, where an operator reads them.
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(reconcileId),
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(failures) OR size(failures) < :max)",
          UpdateExpression: "SET failures = list_append(if_not_exists(failures, :empty), :one)",
          ExpressionAttributeValues: { ":max": MAX_KEPT_FAILURES, ":empty": [], ":one": [failure] },
        }),
      )
      .catch((error: unknown) => {
        if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      });
    return true;
  }

  async createdPage(reconcileId: string, page: { limit: number; after?: string }) {
    const items: CreatedBudget[] = [];
    let start: Record<string, unknown> | undefined;
    let more = false;
    outer: do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: {
            ":pk": pk(reconcileId),
            ":from": page.after ? `CREATED#${page.after}#` : "CREATED#",
            ":to": "CREATED#~",
          },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        if (items.length === page.limit) {
          more = true;
          break outer;
        }
        items.push(parseStored(CreatedBudgetSchema, item.created, "reconcile's created budget"));
      }
      start = out.LastEvaluatedKey;
    } while (start);
    const last = items.at(-1);
    return more && last ? { items, next: last.accountId } : { items };
  }
}
