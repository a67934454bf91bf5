import type { VendRequest } from "../../vending/request";

export type RequestStatus = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED";
export const REQUEST_STATUSES: readonly RequestStatus[] = ["PENDING", "RUNNING", "SUCCEEDED", "FAILED"];

/** Workflow steps in execution order; the record lists them in this order. */
export const VEND_STEPS = ["create", "awaitCreation", "place", "grant", "budget", "tag"] as const;
export type VendStep = (typeof VEND_STEPS)[number];

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
}

export interface ResolvedRequest {
  ouId: string;
  ouPath: string;
  instanceArn: string;
  identityStoreId?: string;
  access: ResolvedGrant[];
}

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
  createdAt: string;
  updatedAt: string;
}
