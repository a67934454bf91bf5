import type { FingerprintStore } from "../../packages/core/src/store/budget-fingerprints";
import {
  type AccountReport,
  type CleanupRun,
  mergeRegion,
  type RegionProgress,
  regionReportOf,
} from "../../packages/core/src/store/cleanup-runs/record";
import type { CleanupStore } from "../../packages/core/src/store/cleanup-runs/store";
import type { ClosureRecord, ClosureStore } from "../../packages/core/src/store/closures";
import type { CreationWaits } from "../../packages/core/src/store/creation-waits";
import type { EventClaims } from "../../packages/core/src/store/event-claims";
import type { ReconcileJob, ReconcileJobStore } from "../../packages/core/src/store/reconcile-jobs";
import type {
  ExecutionAttempt,
  LeaseRecord,
  RefusedDecision,
  RequestError,
  RequestStatus,
  StepRecord,
  VendRequestRecord,
} from "../../packages/core/src/store/requests/record";
import { keptRefusals, refusedCount } from "../../packages/core/src/store/requests/record";
import type {
  CreateResult,
  DecisionUpdate,
  ListOptions,
  Page,
  RequestStore,
  StepAlso,
} from "../../packages/core/src/store/requests/store";

/** An in-memory RequestStore for unit tests. */
export class MemoryRequestStore implements RequestStore {
  readonly records = new Map<string, VendRequestRecord>();
  private readonly emails = new Map<string, string>();

  private must(id: string): VendRequestRecord {
    const r = this.records.get(id);
    if (!r) throw new Error(`no record ${id}`);
    return r;
  }

  async create(record: VendRequestRecord): Promise<CreateResult> {
    const existing =
      this.records.get(record.requestId) ?? this.records.get(this.emails.get(record.request.email) ?? "");
    if (existing) return { created: false, existing };
    this.records.set(record.requestId, structuredClone(record));
    this.emails.set(record.request.email, record.requestId);
    return { created: true, record };
  }
  async get(id: string) {
    const r = this.records.get(id);
    return r ? structuredClone(r) : undefined;
  }
  async getByEmail(email: string) {
    return this.get(this.emails.get(email.toLowerCase()) ?? "");
  }
  async list(options: ListOptions): Promise<Page<VendRequestRecord>> {
    const items = [...this.records.values()]
      .filter((r) => !options.status || r.status === options.status)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { items: items.slice(0, options.limit) };
  }
  async addAttempt(id: string, attempt: ExecutionAttempt, at: string) {
    const r = this.must(id);
    r.attempts.push(attempt);
    r.executionArn = attempt.executionArn;
    r.updatedAt = at;
  }
  async reset(id: string, at: string, seen: { status: RequestStatus; attempts: number }) {
    const r = this.must(id);
    if (r.status !== seen.status || (r.attempts ?? []).length !== seen.attempts) return false;
    Object.assign(r, { status: "PENDING", error: undefined, updatedAt: at });
    return true;
  }
  async putStep(id: string, step: StepRecord, at: string, also: StepAlso = {}) {
    const r = this.must(id);
    const before = r.steps[step.name];
    r.steps[step.name] = step;
    r.updatedAt = at;
    if (also.status) r.status = also.status;
    if (also.accountId) r.accountId = also.accountId;
    if (also.createRequestId) r.createRequestId = also.createRequestId;
    return before;
  }
  async decide(id: string, update: DecisionUpdate) {
    const r = this.must(id);
    if (r.status !== "PENDING_APPROVAL" || !r.approval) return false;
    r.status = update.status;
    r.updatedAt = update.at;
    Object.assign(r.approval, {
      decision: update.decision,
      at: update.at,
      ...(update.by !== undefined ? { by: update.by } : {}),
      ...(update.reason !== undefined ? { reason: update.reason } : {}),
      ...(update.via !== undefined ? { via: update.via } : {}),
    });
    return true;
  }
  async setLease(id: string, lease: LeaseRecord, at: string) {
    const r = this.must(id);
    r.lease = structuredClone(lease);
    r.updatedAt = at;
  }
  async dueLeases(before: string, limit: number) {
    return [...this.records.values()]
      .filter((r) => r.lease?.status === "ACTIVE" && r.lease.expiresAt <= before)
      .sort((a, b) => (a.lease?.expiresAt ?? "").localeCompare(b.lease?.expiresAt ?? ""))
      .slice(0, limit)
      .map((r) => ({ requestId: r.requestId, expiresAt: r.lease?.expiresAt ?? "" }));
  }
  async addRefusal(id: string, refusal: RefusedDecision) {
    const r = this.must(id);
    if (r.approval) {
      r.approval.refusedCount = refusedCount(r.approval) + 1;
      r.approval.refused = keptRefusals([...r.approval.refused, refusal]);
    }
    r.updatedAt = refusal.at;
  }
  async recordStart(id: string, attempt: ExecutionAttempt, at: string) {
    await this.addAttempt(id, attempt, at);
    await this.markRunning(id, at);
    return this.get(id);
  }
  async markRunning(id: string, at: string) {
    const r = this.must(id);
    if (r.status !== "PENDING") return false;
    Object.assign(r, { status: "RUNNING", updatedAt: at });
    return true;
  }
  async setStatus(id: string, status: RequestStatus, at: string) {
    const r = this.must(id);
    r.status = status;
    r.updatedAt = at;
  }
  async complete(id: string, result: { accountId: string; ouId: string }, at: string) {
    const r = this.must(id);
    const before = structuredClone(r);
    Object.assign(r, { status: "SUCCEEDED", error: undefined, updatedAt: at }, result);
    return before;
  }
  async fail(id: string, error: RequestError, step: StepRecord | undefined, at: string) {
    const r = this.must(id);
    Object.assign(r, { status: "FAILED", error, updatedAt: at });
    if (step) r.steps[step.name] = step;
  }
}

/** In-memory budget fingerprints for unit tests. */
export class MemoryFingerprintStore implements FingerprintStore {
  readonly fingerprints = new Map<string, string>();
  async getBudgetFingerprint(name: string) {
    return this.fingerprints.get(name);
  }
  async putBudgetFingerprint(name: string, fingerprint: string) {
    this.fingerprints.set(name, fingerprint);
  }
}

/** In-memory event claims for unit tests. */
export class MemoryEventClaims implements EventClaims {
  readonly claimed = new Set<string>();
  async claimEvent(id: string) {
    if (this.claimed.has(id)) return false;
    this.claimed.add(id);
    return true;
  }
  async releaseEvent(id: string) {
    this.claimed.delete(id);
  }
}

/** An in-memory CleanupStore for unit tests. */
export class MemoryCleanupStore implements CleanupStore {
  readonly runs = new Map<string, CleanupRun>();

  async createRun(run: CleanupRun) {
    if (!this.runs.has(run.runId)) this.runs.set(run.runId, structuredClone(run));
    return structuredClone(this.runs.get(run.runId) as CleanupRun);
  }
  async getRun(runId: string) {
    const run = this.runs.get(runId);
    return run ? structuredClone(run) : undefined;
  }
  async updateRun(runId: string, patch: Partial<CleanupRun>) {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`no run ${runId}`);
    Object.assign(run, patch);
  }
  readonly progress = new Map<string, { runId: string; accountId: string; progress: RegionProgress }>();
  async putAccountReport(runId: string, report: AccountReport) {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`no run ${runId}`);
    run.accounts = [...run.accounts.filter((a) => a.accountId !== report.accountId), structuredClone(report)];
    this.merge(runId);
  }
  async putRegionProgress(runId: string, accountId: string, progress: RegionProgress) {
    if (!this.runs.has(runId)) throw new Error(`no run ${runId}`);
    this.progress.set(`${runId}/${accountId}/${progress.region}`, {
      runId,
      accountId,
      progress: structuredClone(progress),
    });
    this.merge(runId);
  }
  async getRegionProgress(runId: string, accountId: string, region: string) {
    const found = this.progress.get(`${runId}/${accountId}/${region}`);
    return found ? structuredClone(found.progress) : undefined;
  }
  async unfinishedRegions(runId: string) {
    return [...this.progress.values()]
      .filter((p) => p.runId === runId && !p.progress.done)
      .map((p) => ({ accountId: p.accountId, progress: structuredClone(p.progress) }));
  }
  /** As the table store does: each region's progress is its report in the account's. */
  private merge(runId: string) {
    const run = this.runs.get(runId);
    if (!run) return;
    for (const p of this.progress.values()) {
      if (p.runId !== runId) continue;
      const report = run.accounts.find((a) => a.accountId === p.accountId);
      if (!report) continue;
      report.regions = mergeRegion(report.regions, regionReportOf(p.progress));
    }
  }
}

/** An in-memory Semaphore for unit tests. */
export class MemorySemaphore {
  readonly holders = new Map<string, Date>();
  constructor(private readonly limit = 5) {}
  async acquire(holder: string, now: Date) {
    if (this.holders.has(holder)) return true;
    if (this.holders.size >= this.limit) return false;
    this.holders.set(holder, now);
    return true;
  }
  async release(holder: string) {
    this.holders.delete(holder);
  }
}

/** An in-memory ReconcileJobStore for unit tests. */
export class MemoryReconcileJobStore implements ReconcileJobStore {
  readonly jobs = new Map<string, ReconcileJob>();
  async create(job: ReconcileJob) {
    if (this.jobs.has(job.reconcileId)) throw new Error(`job ${job.reconcileId} exists`);
    this.jobs.set(job.reconcileId, structuredClone(job));
  }
  async get(id: string) {
    const job = this.jobs.get(id);
    return job ? structuredClone(job) : undefined;
  }
  async finish(
    id: string,
    outcome: Pick<ReconcileJob, "status" | "created" | "unchanged" | "error">,
    at: string,
  ) {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    Object.assign(job, outcome, { endedAt: at });
  }
}

/** An in-memory ClosureStore for unit tests. */
export class MemoryClosureStore implements ClosureStore {
  readonly closures = new Map<string, ClosureRecord>();
  async create(closure: ClosureRecord) {
    const existing = this.closures.get(closure.closureId);
    if (existing) return { created: false, closure: structuredClone(existing) };
    this.closures.set(closure.closureId, structuredClone(closure));
    return { created: true, closure };
  }
  async get(id: string) {
    const c = this.closures.get(id);
    return c ? structuredClone(c) : undefined;
  }
  async update(id: string, patch: Partial<Omit<ClosureRecord, "closureId">>, at: string) {
    const c = this.closures.get(id);
    if (!c) throw new Error(`no closure ${id}`);
    for (const [k, v] of Object.entries({ ...patch, updatedAt: at })) {
      if (v === undefined) delete (c as Record<string, unknown>)[k];
      else (c as Record<string, unknown>)[k] = structuredClone(v);
    }
  }
  async list(options: { limit: number }) {
    const items = [...this.closures.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { items: items.slice(0, options.limit) };
  }
}

/** In-memory CreationWaits for unit tests, with the same take-once semantics. */
export class MemoryCreationWaits implements CreationWaits {
  readonly items = new Map<string, { taskToken?: string; requestId?: string; ended?: string }>();
  async arm(createRequestId: string, taskToken: string, requestId: string) {
    const item = this.items.get(createRequestId) ?? {};
    const hadEvent = item.ended !== undefined;
    this.items.set(createRequestId, { taskToken, requestId });
    return hadEvent;
  }
  async post(createRequestId: string, state: string) {
    const item = this.items.get(createRequestId) ?? {};
    if (item.taskToken === undefined) {
      this.items.set(createRequestId, { ...item, ended: state });
      return undefined;
    }
    this.items.set(createRequestId, { requestId: item.requestId });
    return item.taskToken;
  }
}
