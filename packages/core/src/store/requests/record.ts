import * as z from "zod";
import type { VendRequest } from "./request";

/**
 * The recorded steps of a request, in workflow order (the record lists them in this order). Each is
 * the \`step\` of one or more stages in vending's table of stages, which the type check holds to this list.
 */
export const VEND_STEPS = ["create", "awaitCreation", "place", "grant", "budget", "tag"] as const;
export type VendStep = (typeof VEND_STEPS)[number];

export type RequestStatus =
  | "PENDING_APPROVAL"
  | "PENDING"
  | "RUNNING"
  | "SUCCEEDED"
  | "FAILED"
  | "REJECTED"
  | "EXPIRED";
export const REQUEST_STATUSES: readonly RequestStatus[] = [
  "PENDING_APPROVAL",
  "PENDING",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "REJECTED",
  "EXPIRED",
];

/** An attempt to decide a request that changed nothing: who, when, and why it was refused. */
export interface RefusedDecision {
  by: string;
  at: string;
  why: string;
}

export type ApprovalDecision = "APPROVED" | "REJECTED" | "EXPIRED";

/** The approval a covered request waits for, and its audit trail. */
export interface ApprovalRecord {
  /** The rule that covered the request when it was submitted (its approvers decide). */
  rule: { ous: string[]; approvers: string[] };
  expiresAt: string;
  decision?: ApprovalDecision;
  /** The approver's email (absent for an expiry). */
  by?: string;
  at?: string;
  reason?: string;
  /** Where the decision came from. */
  via?: "slack" | "api";
  /** The last KEPT_REFUSALS refused attempts, oldest first. */
  refused: RefusedDecision[];
  /** Every refused attempt (records from before the count have none: their `refused` is whole). */
  refusedCount?: number;
}

/** How many refused attempts a request keeps: anyone can click, so the list is bounded. */
export const KEPT_REFUSALS = 10;

/** The refused attempts a request keeps: the last KEPT_REFUSALS. */
export function keptRefusals(refused: RefusedDecision[]): RefusedDecision[] {
  return refused.slice(-KEPT_REFUSALS);
}

/** How many attempts were refused, all told. */
export function refusedCount(approval: Pick<ApprovalRecord, "refused" | "refusedCount">): number {
  return approval.refusedCount ?? approval.refused.length;
}

export interface StepRecord {
  name: VendStep;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  startedAt: string;
  endedAt?: string;
  error?: string;
}

export interface RequestError {
  code: string;
  message: string;
  step?: string;
}

/** One start, redrive or restart of the request's workflow. */
export interface ExecutionAttempt {
  kind: "start" | "redrive" | "restart";
  executionArn: string;
  at: string;
}

/** An access grant with its ids, resolved at the edge before anything is created. */
export interface ResolvedGrant {
  group: string;
  groupId: string;
  permissionSets: { name: string; arn: string }[];
  /** `baseline`: a standing assignment of the account's OU (absent: the request's own `access`). */
  source?: "request" | "baseline";
}

export interface ResolvedRequest {
  ouId: string;
  ouPath: string;
  instanceArn: string;
  identityStoreId?: string;
  access: ResolvedGrant[];
}

export type LeaseStatus = "ACTIVE" | "ENDING" | "CLOSED";

/** A sandbox account's lease: when it ends, and where its closure stands. */
export interface LeaseRecord {
  expiresAt: string;
  status: LeaseStatus;
  /** The closure that took the account back (set when the lease ended). */
  closureId?: string;
  /** When Slack was warned that the lease ends soon (once per end time). */
  warnedAt?: string;
  /** Why the lease's account could not be taken back yet (moved out of the closable OUs, say). */
  problem?: string;
}

export const LeaseRecordSchema = z.object({
  expiresAt: z.string(),
  status: z.enum(["ACTIVE", "ENDING", "CLOSED"]),
  closureId: z.string().optional(),
  warnedAt: z.string().optional(),
  problem: z.string().optional(),
}) satisfies z.ZodType<LeaseRecord>;

/** A vend request as stored and as served by `GET /accounts/requests/{id}`. */
export interface VendRequestRecord {
  requestId: string;
  status: RequestStatus;
  request: VendRequest;
  resolved: ResolvedRequest;
  payloadHash: string;
  accountId?: string;
  /** The CreateAccount request this request started, kept so a rerun joins it instead of creating again. */
  createRequestId?: string;
  ouId?: string;
  steps: Partial<Record<VendStep, StepRecord>>;
  error?: RequestError;
  executionArn?: string;
  attempts: ExecutionAttempt[];
  requester?: string;
  approval?: ApprovalRecord;
  lease?: LeaseRecord;
  createdAt: string;
  updatedAt: string;
}

export const ApprovalRecordSchema = z.object({
  rule: z.object({ ous: z.array(z.string()), approvers: z.array(z.string()) }),
  expiresAt: z.string(),
  decision: z.enum(["APPROVED", "REJECTED", "EXPIRED"]).optional(),
  by: z.string().optional(),
  at: z.string().optional(),
  reason: z.string().optional(),
  via: z.enum(["slack", "api"]).optional(),
  refused: z.array(z.object({ by: z.string(), at: z.string(), why: z.string() })),
  refusedCount: z.number().int().optional(),
}) satisfies z.ZodType<ApprovalRecord>;

export const StepRecordSchema = z.object({
  // Step names are the stage table's (vending/stages.ts); the store keeps what it was given.
  name: z.custom<VendStep>((v) => typeof v === "string"),
  status: z.enum(["RUNNING", "SUCCEEDED", "FAILED"]),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  error: z.string().optional(),
});

// The shape a record was written with, not the rules a new request must meet: a record stored
// under older, looser input rules still reads back.
const StoredRequestSchema = z.looseObject({
  name: z.string(),
  email: z.string(),
  ou: z.string(),
  access: z.array(z.object({ group: z.string(), permissionSets: z.array(z.string()) })).optional(),
  budget: z
    .object({
      monthlyLimitUsd: z.number(),
      thresholds: z.array(z.number()).optional(),
      emails: z.array(z.string()).optional(),
    })
    .optional(),
  tags: z.record(z.string(), z.string()).optional(),
  lease: z.object({ hours: z.number().optional(), expiresAt: z.string().optional() }).optional(),
});

/** A vend request record as stored: parsed, not cast, when read back. */
export const VendRequestRecordSchema = z.object({
  requestId: z.string(),
  status: z.enum(REQUEST_STATUSES as [RequestStatus, ...RequestStatus[]]),
  request: StoredRequestSchema,
  resolved: z.object({
    ouId: z.string(),
    ouPath: z.string(),
    instanceArn: z.string(),
    identityStoreId: z.string().optional(),
    access: z.array(
      z.object({
        group: z.string(),
        groupId: z.string(),
        permissionSets: z.array(z.object({ name: z.string(), arn: z.string() })),
        source: z.enum(["request", "baseline"]).optional(),
      }),
    ),
  }),
  payloadHash: z.string(),
  accountId: z.string().optional(),
  createRequestId: z.string().optional(),
  ouId: z.string().optional(),
  steps: z.record(z.string(), StepRecordSchema).transform((s) => s as Partial<Record<VendStep, StepRecord>>),
  error: z.object({ code: z.string(), message: z.string(), step: z.string().optional() }).optional(),
  executionArn: z.string().optional(),
  attempts: z.array(
    z.object({ kind: z.enum(["start", "redrive", "restart"]), executionArn: z.string(), at: z.string() }),
  ),
  requester: z.string().optional(),
  approval: ApprovalRecordSchema.optional(),
  lease: LeaseRecordSchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<VendRequestRecord>;
