import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { isAwsError } from "../aws/classify";
import { parseStored } from "./parse";
import { decodeToken, encodeToken } from "./requests/page-token";
import type { Page } from "./requests/store";
import { TableStore } from "./table-store";

export type ClosureStatus = "PENDING" | "CLEANING" | "CLOSING" | "WAITING_QUOTA" | "CLOSED" | "FAILED";
export const CLOSURE_STEPS = ["cleanup", "close", "move", "announce"] as const;
export type ClosureStep = (typeof CLOSURE_STEPS)[number];

const StepSchema = z.object({
  name: z.enum(CLOSURE_STEPS),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED", "WAITING"]),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  error: z.string().optional(),
});

/** A closure as stored and served by `GET /closures/{id}`. */
export const ClosureRecordSchema = z.object({
  closureId: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  status: z.enum(["PENDING", "CLEANING", "CLOSING", "WAITING_QUOTA", "CLOSED", "FAILED"]),
  trigger: z.enum(["api", "lease"]),
  reason: z.string().optional(),
  /** The vend request whose lease ended (trigger `lease`). */
  requestId: z.string().optional(),
  cleanupRunId: z.string().optional(),
  steps: z.array(StepSchema),
  error: z.object({ code: z.string(), message: z.string(), step: z.string().optional() }).optional(),
  /** Stacks left in the account when it was closed: protected ones, and deletions that failed. */
  remaining: z.array(z.object({ region: z.string(), stack: z.string(), reason: z.string() })).optional(),
  /** The OU the closed account was moved to. */
  closedOuPath: z.string().optional(),
  executionArn: z.string().optional(),
  attempts: z.number(),
  /** When a closure waiting on AWS's close quota tries again. */
  retryAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().optional(),
});
export type ClosureRecord = z.infer<typeof ClosureRecordSchema>;
export type ClosureStepRecord = z.infer<typeof StepSchema>;

export interface ClosureStore {
  /** Creates the closure unless one with its id exists; returns the stored one either way. */
  create(closure: ClosureRecord): Promise<{ created: boolean; closure: ClosureRecord }>;
  get(closureId: string): Promise<ClosureRecord | undefined>;
  /** Sets the given fields (undefined removes one), and updatedAt. */
  update(closureId: string, patch: Partial<Omit<ClosureRecord, "closureId">>, at: string): Promise<void>;
  /** Newest first. */
  list(options: { limit: number; next?: string }): Promise<Page<ClosureRecord>>;
}

const key = (id: string) => ({ pk: `CLOSURE#${id}`, sk: "CLOSURE" });
const KEY_FIELDS = ["pk", "sk", "gsi1pk", "gsi1sk"];

function toRecord(item: Record<string, unknown> | undefined): ClosureRecord | undefined {
  if (!item) return undefined;
  const copy = { ...item };
  for (const k of KEY_FIELDS) delete copy[k];
  return parseStored(ClosureRecordSchema, copy, "closure");
}

/** ClosureStore on the project's table: one item per closure, listed through the byCreated index. */
export class DynamoClosureStore extends TableStore implements ClosureStore {
  async create(closure: ClosureRecord) {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key(closure.closureId),
            gsi1pk: "CLOSURE",
            gsi1sk: `${closure.createdAt}#${closure.closureId}`,
            ...closure,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return { created: true, closure };
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      const existing = await this.get(closure.closureId);
      if (!existing) throw error;
      return { created: false, closure: existing };
    }
  }

  async get(closureId: string) {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(closureId), ConsistentRead: true }),
    );
    return toRecord(out.Item);
  }

  async update(closureId: string, patch: Partial<Omit<ClosureRecord, "closureId">>, at: string) {
    const entries = Object.entries({ ...patch, updatedAt: at });
    const sets = entries.filter(([, v]) => v !== undefined);
    const removes = entries.filter(([, v]) => v === undefined);
    const names = Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k]));
    const values = Object.fromEntries(
      entries.flatMap(([, v], i) => (v === undefined ? [] : [[`:v${i}`, v]])),
    );
    const indexOf = (k: string) => entries.findIndex(([e]) => e === k);
    const expression = [
      `SET ${sets.map(([k]) => `#f${indexOf(k)} = :v${indexOf(k)}`).join(", ")}`,
      ...(removes.length ? [`REMOVE ${removes.map(([k]) => `#f${indexOf(k)}`).join(", ")}`] : []),
    ].join(" ");
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(closureId),
        UpdateExpression: expression,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async list(options: { limit: number; next?: string }) {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "byCreated",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": "CLOSURE" },
        ScanIndexForward: false,
        Limit: options.limit,
        ExclusiveStartKey: decodeToken(options.next, "gsi1", "CLOSURE", {
          pkPrefix: "CLOSURE#",
          sk: "CLOSURE",
        }),
      }),
    );
    return {
      items: (out.Items ?? []).flatMap((i) => toRecord(i) ?? []),
      next: encodeToken(out.LastEvaluatedKey),
    };
  }
}
