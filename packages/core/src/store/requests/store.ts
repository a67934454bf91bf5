import { NotFoundError } from "../../errors";
import { isPossibleId, quoteId } from "../../validation";
import type {
  ApprovalDecision,
  ExecutionAttempt,
  LeaseRecord,
  RefusedDecision,
  RequestError,
  RequestStatus,
  StepRecord,
  VendRequestRecord,
} from "./record";

/** A decision on a request waiting for approval, and the status it moves the request to. */
export interface DecisionUpdate {
  status: "PENDING" | "REJECTED" | "EXPIRED";
  decision: ApprovalDecision;
  by?: string;
  reason?: string;
  via?: "slack" | "api";
  at: string;
}

export interface ListOptions {
  status?: RequestStatus;
  limit: number;
  next?: string;
}

export interface Page<T> {
  items: T[];
  next?: string;
}

export type CreateResult =
  | { created: true; record: VendRequestRecord }
  | { created: false; existing: VendRequestRecord };

/** Persistence of vend requests. */
export interface RequestStore {
  /**
   * Records a new request and reserves its email, atomically. When the id or the email
   * is already taken, returns the request that holds it instead.
   */
  create(record: VendRequestRecord): Promise<CreateResult>;
  get(requestId: string): Promise<VendRequestRecord | undefined>;
  /** The request that reserved this email, if any. */
  getByEmail(email: string): Promise<VendRequestRecord | undefined>;
  /** Newest first; `next` is an opaque token. */
  list(options: ListOptions): Promise<Page<VendRequestRecord>>;
  /** Appends an execution attempt and makes it the current execution. */
  addAttempt(requestId: string, attempt: ExecutionAttempt, at: string): Promise<void>;
  /**
   * Back to PENDING with the error cleared, before a retry starts, only while the record is still
   * as the caller read it (same status, same number of attempts): false when another retry won.
   */
  reset(requestId: string, at: string, seen: { status: RequestStatus; attempts: number }): Promise<boolean>;
  /**
   * Writes a step, and in the same write what the step learnt (`also`): one write, not two.
   * Returns the step as it was before (undefined the first time it is written).
   */
  putStep(requestId: string, step: StepRecord, at: string, also?: StepAlso): Promise<StepRecord | undefined>;
  setStatus(requestId: string, status: RequestStatus, at: string): Promise<void>;
  /**
   * Records a started execution and, in the same write, PENDING -> RUNNING; returns the record as
   * it is now. Where the request had moved on already (a fast failure), only the attempt is recorded.
   */
  recordStart(
    requestId: string,
    attempt: ExecutionAttempt,
    at: string,
  ): Promise<VendRequestRecord | undefined>;
  /** PENDING -> RUNNING once its execution exists; false when the request had moved on already (a fast failure). */
  markRunning(requestId: string, at: string): Promise<boolean>;
  /** SUCCEEDED with its account and OU; returns the record as it was before (one write, no read). */
  complete(
    requestId: string,
    result: { accountId: string; ouId: string },
    at: string,
  ): Promise<VendRequestRecord | undefined>;
  fail(requestId: string, error: RequestError, step: StepRecord | undefined, at: string): Promise<void>;
  /**
   * Records a decision, only while the request is still PENDING_APPROVAL: false when another
   * decision (or the expiry) came first, so of two concurrent clicks exactly one decides.
   */
  decide(requestId: string, update: DecisionUpdate): Promise<boolean>;
  /** Appends a refused attempt to decide (not an approver, the requester, already decided). */
  addRefusal(requestId: string, refusal: RefusedDecision): Promise<void>;
  /** Replaces the request's lease (and its entry in the lease index, which `dueLeases` reads). */
  setLease(requestId: string, lease: LeaseRecord, at: string): Promise<void>;
  /** Requests whose ACTIVE lease ends at or before `before`, soonest first: the lease index, never a scan. */
  dueLeases(before: string, limit: number): Promise<{ requestId: string; expiresAt: string }[]>;
}

/** What a step's write also records on the request. */
export interface StepAlso {
  status?: RequestStatus;
  accountId?: string;
  /** The CreateAccount request this request started. */
  createRequestId?: string;
}

/** A stored request by id; a 404 for an id that does not exist (or cannot). */
export async function storedRequest(
  ctx: { store: RequestStore },
  requestId: string,
): Promise<VendRequestRecord> {
  const record = isPossibleId(requestId) ? await ctx.store.get(requestId) : undefined;
  if (!record) throw new NotFoundError(`No request ${quoteId(requestId)}`);
  return record;
}
