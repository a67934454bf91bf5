import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { parseStored } from "./parse";
import { TableStore } from "./table-store";

/** One background budget reconcile (`POST /budgets/reconcile`), as stored and served. */
export const ReconcileJobSchema = z.object({
  reconcileId: z.string(),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED"]),
  created: z.array(z.object({ accountId: z.string(), budgetName: z.string() })),
  unchanged: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
});
export type ReconcileJob = z.infer<typeof ReconcileJobSchema>;

export interface ReconcileJobStore {
  create(job: ReconcileJob): Promise<void>;
  get(reconcileId: string): Promise<ReconcileJob | undefined>;
  /** Records the outcome: the budgets created and how many were left unchanged, or the error. */
  finish(
    reconcileId: string,
    outcome: Pick<ReconcileJob, "status" | "created" | "unchanged" | "error">,
    at: string,
  ): Promise<void>;
}

const key = (id: string) => ({ pk: `RECONCILE#${id}`, sk: "RECONCILE" });

/** ReconcileJobStore on the project's table: one item per job, kept 30 days. */
export class DynamoReconcileJobStore extends TableStore implements ReconcileJobStore {
  async create(job: ReconcileJob): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key(job.reconcileId),
          ...job,
          expiresAt: Math.floor(Date.parse(job.startedAt) / 1000) + 30 * 86_400,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(reconcileId: string): Promise<ReconcileJob | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(reconcileId), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _ttl, ...job } = out.Item;
    return parseStored(ReconcileJobSchema, job, "reconcile job");
  }

  async finish(
    reconcileId: string,
    outcome: Pick<ReconcileJob, "status" | "created" | "unchanged" | "error">,
    at: string,
  ): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(reconcileId),
        UpdateExpression: `SET #status = :status, created = :created, unchanged = :unchanged, endedAt = :at${outcome.error ? ", #error = :error" : ""}`,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#status": "status", ...(outcome.error ? { "#error": "error" } : {}) },
        ExpressionAttributeValues: {
          ":status": outcome.status,
          ":created": outcome.created,
          ":unchanged": outcome.unchanged,
          ":at": at,
          ...(outcome.error ? { ":error": outcome.error } : {}),
        },
      }),
    );
  }
}
