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
  putStep(requestId: string, step: StepRecord, at: string): Promise<void>;
  setStatus(requestId: string, status: RequestStatus, at: string): Promise<void>;
  /** PENDING -> RUNNING once its execution exists; false when the request had moved on already (a fast failure). */
  markRunning(requestId: string, at: string): Promise<boolean>;
  complete(requestId: string, result: { accountId: string; ouId: string }, at: string): Promise<void>;
  fail(requestId: string, error: RequestError, step: StepRecord | undefined, at: string): Promise<void>;
  setAccountId(requestId: string, accountId: string, at: string): Promise<void>;
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
  /** Remembers the CreateAccount request this request started. */
  setCreateRequestId(requestId: string, createRequestId: string, at: string): Promise<void>;
}
