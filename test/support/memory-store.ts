import type {
  AppliedBaseline,
  BaselineStore,
  Change,
  Plan,
  PlanPatch,
} from "../../packages/core/src/store/baseline-plans";
import type { FingerprintStore } from "../../packages/core/src/store/budget-fingerprints";
import {
  type AccountOutcome,
  type AccountReport,
  type CleanupRun,
  type CleanupRunPage,
  EMPTY_SUMMARY,
  type FailedAccount,
  type Refusal,
  type RegionProgress,
  type RunCursor,
  type RunSummary,
  withRegionProgress,
} from "../../packages/core/src/store/cleanup-runs/record";
import {
  type AccountProgress,
  type CleanupStore,
  worstFirst,
} from "../../packages/core/src/store/cleanup-runs/store";
import type { ClosureRecord, ClosureStore } from "../../packages/core/src/store/closures";
import type { CreationWaits } from "../../packages/core/src/store/creation-waits";
import type {
  AccountResult,
  DriftCheck,
  DriftCheckPatch,
  DriftExcluded,
  DriftRepair,
  DriftRepairPatch,
  DriftStore,
  RepairOutcome,
} from "../../packages/core/src/store/drift-checks";
import type { EventClaims } from "../../packages/core/src/store/event-claims";
import {
  type CreatedBudget,
  MAX_KEPT_FAILURES,
  type ReconcileJob,
  type ReconcileJobStore,
} from "../../packages/core/src/store/reconcile-jobs";
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
    // The token is the offset of the next page, as opaque to callers as the table's.
    const from = Number(options.next ?? 0);
    const more = from + options.limit < items.length;
    return {
      items: items.slice(from, from + options.limit),
      ...(more ? { next: String(from + options.limit) } : {}),
    };
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

interface MemoryAccount {
  planned?: { accountId: string; name: string };
  report?: AccountReport;
  finished: boolean;
  outcome?: AccountOutcome;
  regions: Map<string, RegionProgress>;
}

/**
 * An in-memory CleanupStore for unit tests and the bench's simulation: the table store's behaviour
 * (pages in account order, counts kept as accounts finish, a finish counted once), and the table
 * requests it would make (`requests`: one per call the table store sends; a query is one per page).
 */
export class MemoryCleanupStore implements CleanupStore {
  private readonly heads = new Map<
    string,
    Omit<CleanupRun, "accounts" | "refused"> & { summary: RunSummary }
  >();
  private readonly accounts = new Map<string, Map<string, MemoryAccount>>();
  private readonly refusals = new Map<string, Map<string, Refusal>>();
  private readonly failures = new Map<string, Map<string, FailedAccount>>();
  readonly requests = { reads: 0, writes: 0 };

  private run(runId: string) {
    const head = this.heads.get(runId);
    if (!head) throw new Error(`no run ${runId}`);
    return head;
  }
  private accountsOf(runId: string) {
    const accounts = this.accounts.get(runId) ?? new Map<string, MemoryAccount>();
    this.accounts.set(runId, accounts);
    return accounts;
  }
  private account(runId: string, accountId: string) {
    const accounts = this.accountsOf(runId);
    const account: MemoryAccount = accounts.get(accountId) ?? { finished: false, regions: new Map() };
    accounts.set(accountId, account);
    return account;
  }
  private reportOf(account: MemoryAccount): AccountReport | undefined {
    return (
      account.report && structuredClone(withRegionProgress(account.report, [...account.regions.values()]))
    );
  }

  async createRun(run: CleanupRun) {
    this.requests.writes++;
    if (!this.heads.has(run.runId)) {
      const { accounts: _a, refused, ...head } = structuredClone(run);
      this.heads.set(run.runId, { ...head, summary: head.summary ?? { ...EMPTY_SUMMARY } });
      for (const r of refused) this.refusalsOf(run.runId).set(r.accountId, r);
    }
    return (await this.getRun(run.runId)) as CleanupRun;
  }
  private refusalsOf(runId: string) {
    const refused = this.refusals.get(runId) ?? new Map<string, Refusal>();
    this.refusals.set(runId, refused);
    return refused;
  }
  async getRun(runId: string) {
    const page = await this.getRunPage(runId, { limit: Number.MAX_SAFE_INTEGER });
    if (!page) return undefined;
    const { next: _next, ...run } = page;
    return run;
  }
  async getRunPage(
    runId: string,
    page: { limit: number; after?: RunCursor },
  ): Promise<CleanupRunPage | undefined> {
    this.requests.reads++;
    const head = this.heads.get(runId);
    if (!head) return undefined;
    const all = [...this.accountsOf(runId).entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([, account]) => {
        const report = this.reportOf(account);
        return report ? [report] : [];
      });
    const refusedAll = [...this.refusalsOf(runId).values()].sort((a, b) =>
      a.accountId.localeCompare(b.accountId),
    );
    const slice = <T extends { accountId: string }>(list: T[], after?: string) => {
      const rest = after === "~" ? [] : after ? list.filter((x) => x.accountId > after) : list;
      return { items: rest.slice(0, page.limit), more: rest.length > page.limit };
    };
    const accounts = slice(all, page.after?.account);
    const refused = slice(refusedAll, page.after?.refused);
    if (page.limit !== 0 && page.limit < Number.MAX_SAFE_INTEGER)
      this.requests.reads += 1 + Math.floor((accounts.items.length * 3) / 1000);
    const next = {
      account: accounts.more ? accounts.items.at(-1)?.accountId : "~",
      refused: refused.more ? refused.items.at(-1)?.accountId : "~",
    };
    return {
      ...structuredClone(head),
      accounts: accounts.items,
      refused: refused.items,
      ...(next.account !== "~" || next.refused !== "~" ? { next } : {}),
    };
  }
  async updateRun(
    runId: string,
    patch: Partial<Omit<CleanupRun, "runId" | "accounts" | "refused" | "summary">>,
  ) {
    this.requests.writes++;
    const head = this.run(runId);
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete (head as Record<string, unknown>)[key];
      else (head as Record<string, unknown>)[key] = structuredClone(value);
    }
  }
  async recordPlan(
    runId: string,
    plan: { accounts: { accountId: string; name: string }[]; refused: Refusal[] },
  ) {
    this.requests.writes += plan.accounts.length + Math.ceil(plan.refused.length / 25) + 1;
    const head = this.run(runId);
    for (const a of plan.accounts) this.account(runId, a.accountId).planned = { ...a };
    for (const r of plan.refused) this.refusalsOf(runId).set(r.accountId, structuredClone(r));
    head.summary.accounts = plan.accounts.length;
    head.summary.refused = plan.refused.length;
  }
  async putAccountReport(runId: string, report: AccountReport) {
    this.requests.writes++;
    this.run(runId);
    this.account(runId, report.accountId).report = structuredClone(report);
  }
  async putRegionProgress(runId: string, accountId: string, progress: RegionProgress) {
    this.requests.writes++;
    this.run(runId);
    this.account(runId, accountId).regions.set(progress.region, structuredClone(progress));
  }
  async getRegionProgress(runId: string, accountId: string, region: string) {
    this.requests.reads++;
    const found = this.accountsOf(runId).get(accountId)?.regions.get(region);
    return found ? structuredClone(found) : undefined;
  }
  async getAccountProgress(runId: string, accountId: string): Promise<AccountProgress> {
    this.requests.reads++;
    const account = this.accountsOf(runId).get(accountId);
    return {
      ...(account?.report ? { report: structuredClone(account.report) } : {}),
      finished: account?.finished ?? false,
      regions: structuredClone([...(account?.regions.values() ?? [])]),
    };
  }
  async finishAccount(runId: string, account: { accountId: string; name: string }, outcome: AccountOutcome) {
    this.requests.writes++;
    const stored = this.account(runId, account.accountId);
    if (stored.finished) return false;
    stored.finished = true;
    stored.outcome = structuredClone(outcome);
    if (outcome.worst) {
      this.requests.writes++;
      const failed = this.failures.get(runId) ?? new Map<string, FailedAccount>();
      this.failures.set(runId, failed);
      failed.set(account.accountId, {
        accountId: account.accountId,
        name: account.name,
        failed: outcome.failed,
        accountFailed: outcome.accountFailed,
        ...outcome.worst,
      });
    }
    this.requests.writes++;
    const summary = this.run(runId).summary;
    summary.finished += 1;
    summary.deleted += outcome.deleted;
    summary.skipped += outcome.skipped;
    summary.failed += outcome.failed;
    summary.accountsFailed += outcome.accountFailed ? 1 : 0;
    return true;
  }
  async recountSummary(runId: string) {
    this.requests.reads += Math.max(1, Math.ceil(this.accountsOf(runId).size / 300));
    this.requests.writes++;
    const summary = this.run(runId).summary;
    Object.assign(summary, { finished: 0, deleted: 0, skipped: 0, failed: 0, accountsFailed: 0 });
    for (const account of this.accountsOf(runId).values()) {
      if (!account.finished || !account.outcome) continue;
      summary.finished += 1;
      summary.deleted += account.outcome.deleted;
      summary.skipped += account.outcome.skipped;
      summary.failed += account.outcome.failed;
      summary.accountsFailed += account.outcome.accountFailed ? 1 : 0;
    }
  }
  async failedAccounts(runId: string, limit: number) {
    this.requests.reads++;
    const all = [...(this.failures.get(runId)?.values() ?? [])].sort(worstFirst);
    return { worst: structuredClone(all.slice(0, limit)), total: all.length };
  }
  async resetFailedAccounts(runId: string) {
    const failed = [...(this.failures.get(runId)?.keys() ?? [])];
    this.requests.reads += 1 + failed.length;
    this.requests.writes += failed.length * 2;
    for (const accountId of failed) this.accountsOf(runId).delete(accountId);
    this.failures.get(runId)?.clear();
    await this.recountSummary(runId);
    return failed.length;
  }
  async accountStates(runId: string) {
    this.requests.reads += Math.max(1, Math.ceil(this.accountsOf(runId).size / 300));
    return [...this.accountsOf(runId).entries()].flatMap(([accountId, a]) =>
      a.report || a.planned
        ? [
            {
              account: { accountId, name: a.report?.name ?? a.planned?.name ?? accountId },
              report: a.report ? structuredClone(a.report) : undefined,
              finished: a.finished,
              regions: structuredClone([...a.regions.values()]),
            },
          ]
        : [],
    );
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
  private readonly created = new Map<string, Map<string, CreatedBudget>>();
  private readonly failed = new Map<string, Set<string>>();
  async create(job: ReconcileJob) {
    if (!this.jobs.has(job.reconcileId)) this.jobs.set(job.reconcileId, structuredClone(job));
  }
  async get(id: string) {
    const job = this.jobs.get(id);
    return job ? structuredClone(job) : undefined;
  }
  private job(id: string) {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }
  async update(
    id: string,
    patch: Partial<Omit<ReconcileJob, "reconcileId" | "createdCount" | "failedCount">>,
  ) {
    const job = this.job(id);
    for (const [k, v] of Object.entries(patch))
      if (v !== undefined) (job as Record<string, unknown>)[k] = structuredClone(v);
  }
  async recordCreated(id: string, created: CreatedBudget) {
    const job = this.job(id);
    const all = this.created.get(id) ?? new Map<string, CreatedBudget>();
    this.created.set(id, all);
    if (all.has(created.accountId)) return false;
    all.set(created.accountId, structuredClone(created));
    job.createdCount += 1;
    return true;
  }
  async recordFailed(id: string, failure: { accountId: string; reason: string }) {
    const job = this.job(id);
    const all = this.failed.get(id) ?? new Set<string>();
    this.failed.set(id, all);
    if (all.has(failure.accountId)) return false;
    all.add(failure.accountId);
    job.failedCount += 1;
    if ((job.failures ?? []).length < MAX_KEPT_FAILURES) job.failures = [...(job.failures ?? []), failure];
    return true;
  }
  async createdPage(id: string, page: { limit: number; after?: string }) {
    const all = [...(this.created.get(id)?.values() ?? [])].sort((a, b) =>
      a.accountId.localeCompare(b.accountId),
    );
    const after = page.after;
    const rest = after ? all.filter((c) => c.accountId > after) : all;
    const items = rest.slice(0, page.limit);
    const last = items.at(-1);
    return rest.length > page.limit && last ? { items, next: last.accountId } : { items };
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

/** BaselineStore in memory, with DynamoBaselineStore's conditions (one apply, a later plan stays current). */
export class MemoryBaselineStore implements BaselineStore {
  readonly plans = new Map<string, Plan>();
  private readonly changeLists = new Map<string, Change[]>();
  applied?: AppliedBaseline;
  async create(plan: Plan) {
    if (!this.plans.has(plan.planId)) this.plans.set(plan.planId, structuredClone(plan));
  }
  async get(id: string) {
    const plan = this.plans.get(id);
    return plan ? structuredClone(plan) : undefined;
  }
  async update(id: string, patch: PlanPatch) {
    const plan = this.plans.get(id);
    if (!plan) throw new Error(`no plan ${id}`);
    for (const [k, v] of Object.entries(patch))
      if (v !== undefined) (plan as Record<string, unknown>)[k] = structuredClone(v);
  }
  async transition(id: string, from: Plan["status"], patch: PlanPatch & { status: Plan["status"] }) {
    if (this.plans.get(id)?.status !== from) return false;
    await this.update(id, patch);
    return true;
  }
  async putChanges(id: string, changes: Change[], from = 0) {
    const list = this.changeLists.get(id) ?? [];
    changes.forEach((c, i) => {
      list[from + i] = structuredClone(c);
    });
    this.changeLists.set(id, list);
  }
  async changes(id: string, page: { from: number; limit: number }) {
    const list = this.changeLists.get(id) ?? [];
    const changes = list.slice(page.from, page.from + page.limit);
    return page.from + page.limit < list.length ? { changes, next: page.from + page.limit } : { changes };
  }
  async current() {
    return this.applied ? structuredClone(this.applied) : undefined;
  }
  async markApplied(plan: Plan, appliedAt: string) {
    const stored = this.plans.get(plan.planId);
    if (stored?.status !== "APPLYING") throw new Error(`plan ${plan.planId} is not applying`);
    stored.status = "APPLIED";
    stored.appliedAt = appliedAt;
    delete stored.pending;
    if (!this.applied || this.applied.plannedAt <= plan.createdAt)
      this.applied = {
        planId: plan.planId,
        appliedAt,
        plannedAt: plan.createdAt,
        baseline: structuredClone(plan.baseline),
      };
  }
}

/** DriftStore in memory: one result per account (drifted, clean or excluded), pages in key order. */
export class MemoryDriftStore implements DriftStore {
  readonly checks = new Map<string, DriftCheck>();
  readonly repairs = new Map<string, DriftRepair>();
  private readonly results = new Map<string, Map<string, AccountResult>>();
  private readonly outcomes = new Map<string, Map<string, RepairOutcome>>();
  async createCheck(check: DriftCheck) {
    if (!this.checks.has(check.checkId)) this.checks.set(check.checkId, structuredClone(check));
    return structuredClone(this.checks.get(check.checkId) as DriftCheck);
  }
  async getCheck(id: string) {
    const check = this.checks.get(id);
    return check ? structuredClone(check) : undefined;
  }
  async updateCheck(id: string, patch: DriftCheckPatch) {
    const check = this.checks.get(id);
    if (!check) throw new Error(`no check ${id}`);
    for (const [k, v] of Object.entries(patch))
      if (v !== undefined) (check as Record<string, unknown>)[k] = structuredClone(v);
  }
  private resultsOf(id: string) {
    const map = this.results.get(id) ?? new Map<string, AccountResult>();
    this.results.set(id, map);
    return map;
  }
  async putResult(id: string, result: AccountResult) {
    const accountId =
      result.outcome === "drifted"
        ? result.account.accountId
        : result.outcome === "clean"
          ? result.accountId
          : result.excluded.accountId;
    this.resultsOf(id).set(accountId, structuredClone(result));
  }
  async putExcluded(id: string, excluded: DriftExcluded[]) {
    for (const e of excluded) await this.putResult(id, { outcome: "excluded", excluded: e });
  }
  async page(id: string, options: { after?: string; limit: number }) {
    const sorted = [...this.resultsOf(id).entries()]
      .flatMap(([accountId, r]) =>
        r.outcome === "clean" ? [] : [{ key: `${r.outcome === "drifted" ? "D" : "E"}#${accountId}`, r }],
      )
      .sort((a, b) => a.key.localeCompare(b.key))
      .filter((e) => options.after === undefined || e.key > options.after);
    const kept = sorted.slice(0, options.limit);
    return {
      accounts: kept.flatMap(({ r }) => (r.outcome === "drifted" ? [structuredClone(r.account)] : [])),
      excluded: kept.flatMap(({ r }) => (r.outcome === "excluded" ? [structuredClone(r.excluded)] : [])),
      ...(sorted.length > options.limit ? { next: kept.at(-1)?.key } : {}),
    };
  }
  async counts(id: string) {
    const all = [...this.resultsOf(id).values()];
    const count = (o: AccountResult["outcome"]) => all.filter((r) => r.outcome === o).length;
    return { drifted: count("drifted"), clean: count("clean"), excluded: count("excluded") };
  }
  async createRepair(repair: DriftRepair) {
    if (!this.repairs.has(repair.repairId)) this.repairs.set(repair.repairId, structuredClone(repair));
    return structuredClone(this.repairs.get(repair.repairId) as DriftRepair);
  }
  async getRepair(id: string) {
    const repair = this.repairs.get(id);
    return repair ? structuredClone(repair) : undefined;
  }
  async updateRepair(id: string, patch: DriftRepairPatch) {
    const repair = this.repairs.get(id);
    if (!repair) throw new Error(`no repair ${id}`);
    for (const [k, v] of Object.entries(patch))
      if (v !== undefined) (repair as Record<string, unknown>)[k] = structuredClone(v);
  }
  async putRepairOutcome(id: string, outcome: RepairOutcome) {
    const map = this.outcomes.get(id) ?? new Map<string, RepairOutcome>();
    map.set(outcome.accountId, structuredClone(outcome));
    this.outcomes.set(id, map);
  }
  async repairOutcomes(id: string) {
    return [...(this.outcomes.get(id)?.values() ?? [])].sort((a, b) =>
      a.accountId.localeCompare(b.accountId),
    );
  }
}
