import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isAwsError } from "../../aws/classify";
import { parseStored } from "../parse";
import { TableStore } from "../table-store";
import { decodeToken, encodeToken } from "./page-token";
import {
  type ExecutionAttempt,
  keptRefusals,
  type LeaseRecord,
  type RefusedDecision,
  type RequestError,
  type RequestStatus,
  refusedCount,
  type StepRecord,
  type VendRequestRecord,
  VendRequestRecordSchema,
} from "./record";
import type { CreateResult, DecisionUpdate, ListOptions, Page, RequestStore, StepAlso } from "./store";

const requestKey = (id: string) => ({ pk: `REQ#${id}`, sk: "REQ" });
const emailKey = (email: string) => ({ pk: `EMAIL#${email.toLowerCase()}`, sk: "EMAIL" });
const leaseKey = (id: string) => ({ pk: `LEASE#${id}`, sk: "LEASE" });

/** A lease's entry in the lease index: the byStatus index's `LEASE#<status>` partitions, sorted by end time. */
function leaseIndexItem(requestId: string, lease: LeaseRecord) {
  return {
    ...leaseKey(requestId),
    requestId,
    expiresAt: lease.expiresAt,
    gsi2pk: `LEASE#${lease.status}`,
    gsi2sk: `${lease.expiresAt}#${requestId}`,
  };
}
const KEY_FIELDS = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"];

function toRecord(item: Record<string, unknown> | undefined): VendRequestRecord | undefined {
  if (!item) return undefined;
  const copy = { ...item };
  for (const k of KEY_FIELDS) delete copy[k];
  return parseStored(VendRequestRecordSchema, copy, "request record");
}

/** RequestStore on one DynamoDB table (see TABLE_KEYS). */
export class DynamoRequestStore extends TableStore implements RequestStore {
  async create(record: VendRequestRecord): Promise<CreateResult> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...requestKey(record.requestId),
                  gsi1pk: "REQUEST",
                  gsi1sk: `${record.createdAt}#${record.requestId}`,
                  gsi2pk: `REQUEST#${record.status}`,
                  gsi2sk: `${record.createdAt}#${record.requestId}`,
                  ...record,
                },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...emailKey(record.request.email), requestId: record.requestId },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            ...(record.lease
              ? [{ Put: { TableName: this.tableName, Item: leaseIndexItem(record.requestId, record.lease) } }]
              : []),
          ],
        }),
      );
      return { created: true, record };
    } catch (error) {
      if (!isAwsError(error, "TransactionCanceledException")) throw error;
      const existing = (await this.get(record.requestId)) ?? (await this.getByEmail(record.request.email));
      // The conflicting write may have been removed in between; surface the original failure then.
      if (!existing) throw error;
      return { created: false, existing };
    }
  }

  async get(requestId: string): Promise<VendRequestRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: requestKey(requestId), ConsistentRead: true }),
    );
    return toRecord(out.Item);
  }

  async getByEmail(email: string): Promise<VendRequestRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: emailKey(email), ConsistentRead: true }),
    );
    const requestId = out.Item?.requestId;
    return typeof requestId === "string" ? this.get(requestId) : undefined;
  }

  async list(options: ListOptions): Promise<Page<VendRequestRecord>> {
    const byStatus = options.status !== undefined;
    const partition = byStatus ? `REQUEST#${options.status}` : "REQUEST";
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byStatus ? "byStatus" : "byCreated",
        KeyConditionExpression: byStatus ? "gsi2pk = :pk" : "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": partition },
        ScanIndexForward: false,
        Limit: options.limit,
        ExclusiveStartKey: decodeToken(options.next, byStatus ? "gsi2" : "gsi1", partition),
      }),
    );
    return {
      items: (out.Items ?? []).flatMap((i) => toRecord(i) ?? []),
      next: encodeToken(out.LastEvaluatedKey),
    };
  }

  /** Updates an existing request; with `returnValues`, the attributes DynamoDB returns (the write's own read). */
  private async update(
    requestId: string,
    expression: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
    returnValues?: "UPDATED_OLD" | "ALL_OLD",
  ): Promise<Record<string, unknown> | undefined> {
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: requestKey(requestId),
        UpdateExpression: expression,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ExpressionAttributeValues: values,
        ReturnValues: returnValues,
      }),
    );
    return out.Attributes;
  }

  private statusFields(status: RequestStatus) {
    return { ":status": status, ":gsi2pk": `REQUEST#${status}` };
  }

  async addAttempt(requestId: string, attempt: ExecutionAttempt, at: string) {
    await this.update(
      requestId,
      "SET attempts = list_append(if_not_exists(attempts, :empty), :attempt), executionArn = :arn, updatedAt = :at",
      {},
      { ":empty": [], ":attempt": [attempt], ":arn": attempt.executionArn, ":at": at },
    );
  }

  async recordStart(requestId: string, attempt: ExecutionAttempt, at: string) {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: requestKey(requestId),
          UpdateExpression:
            "SET attempts = list_append(if_not_exists(attempts, :empty), :attempt), executionArn = :arn, #status = :status, gsi2pk = :gsi2pk, updatedAt = :at",
          ConditionExpression: "#status = :pending",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":empty": [],
            ":attempt": [attempt],
            ":arn": attempt.executionArn,
            ":at": at,
            ":pending": "PENDING",
            ...this.statusFields("RUNNING"),
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return toRecord(out.Attributes);
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      await this.addAttempt(requestId, attempt, at);
      return this.get(requestId);
    }
  }

  async reset(requestId: string, at: string, seen: { status: RequestStatus; attempts: number }) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: requestKey(requestId),
          UpdateExpression: "SET #status = :status, gsi2pk = :gsi2pk, updatedAt = :at REMOVE #error",
          // A conditional write: of concurrent retries of one request, exactly one passes.
          ConditionExpression: "#status = :seen AND size(attempts) = :attempts",
          ExpressionAttributeNames: { "#status": "status", "#error": "error" },
          ExpressionAttributeValues: {
            ":at": at,
            ":seen": seen.status,
            ":attempts": seen.attempts,
            ...this.statusFields("PENDING"),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
  }

  async putStep(requestId: string, step: StepRecord, at: string, also: StepAlso = {}) {
    let expression = "SET steps.#step = :step, updatedAt = :at";
    const names: Record<string, string> = { "#step": step.name };
    let values: Record<string, unknown> = { ":step": step, ":at": at };
    if (also.status) {
      expression += ", #status = :status, gsi2pk = :gsi2pk";
      names["#status"] = "status";
      values = { ...values, ...this.statusFields(also.status) };
    }
    if (also.accountId) {
      expression += ", accountId = :account";
      values[":account"] = also.accountId;
    }
    if (also.createRequestId) {
      expression += ", createRequestId = :car";
      values[":car"] = also.createRequestId;
    }
    const old = await this.update(requestId, expression, names, values, "UPDATED_OLD");
    return (old?.steps as Record<string, StepRecord> | undefined)?.[step.name];
  }

  async markRunning(requestId: string, at: string) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: requestKey(requestId),
          UpdateExpression: "SET #status = :status, gsi2pk = :gsi2pk, updatedAt = :at",
          ConditionExpression: "#status = :pending",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":at": at, ":pending": "PENDING", ...this.statusFields("RUNNING") },
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
  }

  async setStatus(requestId: string, status: RequestStatus, at: string) {
    await this.update(
      requestId,
      "SET #status = :status, gsi2pk = :gsi2pk, updatedAt = :at",
      { "#status": "status" },
      { ":at": at, ...this.statusFields(status) },
    );
  }

  async decide(requestId: string, update: DecisionUpdate) {
    const values: Record<string, unknown> = {
      ":at": update.at,
      ":waiting": "PENDING_APPROVAL",
      ":decision": update.decision,
      ...this.statusFields(update.status),
    };
    let expression =
      "SET #status = :status, gsi2pk = :gsi2pk, updatedAt = :at, approval.decision = :decision, approval.#at = :at";
    for (const field of ["by", "reason", "via"] as const) {
      if (update[field] === undefined) continue;
      expression += `, approval.#${field} = :${field}`;
      values[`:${field}`] = update[field];
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: requestKey(requestId),
          UpdateExpression: expression,
          ConditionExpression: "#status = :waiting",
          ExpressionAttributeNames: {
            "#status": "status",
            "#at": "at",
            ...(update.by !== undefined ? { "#by": "by" } : {}),
            ...(update.reason !== undefined ? { "#reason": "reason" } : {}),
            ...(update.via !== undefined ? { "#via": "via" } : {}),
          },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "ConditionalCheckFailedException")) return false;
      throw error;
    }
  }

  async addRefusal(requestId: string, refusal: RefusedDecision) {
    // The last KEPT_REFUSALS and a count of all, written only over the version read (a concurrent refusal
    // makes the condition fail, and the write is made again over the fresh version): anyone in the Slack
    // workspace can click, and no click may grow the record towards DynamoDB's 400 KB.
    for (let attempt = 1; ; attempt += 1) {
      const approval = (await this.get(requestId))?.approval;
      if (!approval) return;
      const count = approval.refusedCount;
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: requestKey(requestId),
            UpdateExpression:
              "SET approval.refused = :refused, approval.refusedCount = :count, updatedAt = :at",
            ConditionExpression:
              count === undefined
                ? "attribute_not_exists(approval.refusedCount) AND size(approval.refused) = :before"
                : "approval.refusedCount = :before",
            ExpressionAttributeValues: {
              ":refused": keptRefusals([...approval.refused, refusal]),
              ":count": refusedCount(approval) + 1,
              ":before": count ?? approval.refused.length,
              ":at": refusal.at,
            },
          }),
        );
        return;
      } catch (error) {
        if (!isAwsError(error, "ConditionalCheckFailedException") || attempt >= 5) throw error;
      }
    }
  }

  async setLease(requestId: string, lease: LeaseRecord, at: string) {
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: requestKey(requestId),
              UpdateExpression: "SET lease = :lease, updatedAt = :at",
              ConditionExpression: "attribute_exists(pk)",
              ExpressionAttributeValues: { ":lease": lease, ":at": at },
            },
          },
          { Put: { TableName: this.tableName, Item: leaseIndexItem(requestId, lease) } },
        ],
      }),
    );
  }

  async dueLeases(before: string, limit: number) {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: "byStatus",
        KeyConditionExpression: "gsi2pk = :pk AND gsi2sk <= :before",
        ExpressionAttributeValues: { ":pk": "LEASE#ACTIVE", ":before": `${before}#~` },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).flatMap((i) =>
      typeof i.requestId === "string" && typeof i.expiresAt === "string"
        ? [{ requestId: i.requestId, expiresAt: i.expiresAt }]
        : [],
    );
  }

  async complete(requestId: string, result: { accountId: string; ouId: string }, at: string) {
    const old = await this.update(
      requestId,
      "SET #status = :status, gsi2pk = :gsi2pk, accountId = :account, ouId = :ou, updatedAt = :at REMOVE #error",
      { "#status": "status", "#error": "error" },
      { ":account": result.accountId, ":ou": result.ouId, ":at": at, ...this.statusFields("SUCCEEDED") },
      "ALL_OLD",
    );
    return toRecord(old);
  }

  async fail(requestId: string, error: RequestError, step: StepRecord | undefined, at: string) {
    const names: Record<string, string> = { "#status": "status", "#error": "error" };
    const values: Record<string, unknown> = { ":error": error, ":at": at, ...this.statusFields("FAILED") };
    let expression = "SET #status = :status, gsi2pk = :gsi2pk, #error = :error, updatedAt = :at";
    if (step) {
      expression += ", steps.#step = :step";
      names["#step"] = step.name;
      values[":step"] = step;
    }
    await this.update(requestId, expression, names, values);
  }
}
