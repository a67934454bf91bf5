import type {
  AccountOutcome,
  AccountReport,
  CleanupRun,
  CleanupRunPage,
  FailedAccount,
  Refusal,
  RegionProgress,
  RunCursor,
} from "./record";

/** An account's clean-up as saved so far: its report head, whether it has finished, and its regions under way. */
export interface AccountProgress {
  report?: AccountReport;
  finished: boolean;
  regions: RegionProgress[];
}

/** Persistence of clean-up runs and their per-account reports. */
export interface CleanupStore {
  /** Creates the run unless it exists; returns the stored run either way. */
  createRun(run: CleanupRun): Promise<CleanupRun>;
  /** The whole run, every account and refusal (a closure's one-account run; tests). */
  getRun(runId: string): Promise<CleanupRun | undefined>;
  /** One page of the run's report, with its whole summary: what `GET /cleanup/runs/{id}` serves. */
  getRunPage(runId: string, page: { limit: number; after?: RunCursor }): Promise<CleanupRunPage | undefined>;
  updateRun(
    runId: string,
    patch: Partial<Omit<CleanupRun, "runId" | "accounts" | "refused" | "summary">>,
  ): Promise<void>;
  /**
   * The run's plan: every account it cleans gets an entry at once (an account whose steps never run is
   * still in the report at the run's end), the refusals are items of their own, and the counts start.
   * An account that has an entry already (a retried run) keeps what it has.
   */
  recordPlan(
    runId: string,
    plan: { accounts: { accountId: string; name: string }[]; refused: Refusal[] },
  ): Promise<void>;
  /** The account's report head (name, error, regions not cleaned, regions done at once); regions under way are kept apart. */
  putAccountReport(runId: string, report: AccountReport): Promise<void>;
  /** One account-region's progress; the run's report shows it in the account's as it goes. */
  putRegionProgress(runId: string, accountId: string, progress: RegionProgress): Promise<void>;
  getRegionProgress(runId: string, accountId: string, region: string): Promise<RegionProgress | undefined>;
  /** An account's saved clean-up: one read of its items. */
  getAccountProgress(runId: string, accountId: string): Promise<AccountProgress>;
  /**
   * Marks the account finished (once: a second call changes nothing and answers false), records its
   * worst failure, and adds its outcome to the run's counts.
   */
  finishAccount(
    runId: string,
    account: { accountId: string; name: string },
    outcome: AccountOutcome,
  ): Promise<boolean>;
  /** Counts the run's summary again from its accounts' outcomes (the run's end, when counts went missing). */
  recountSummary(runId: string): Promise<void>;
  /** Accounts with failures, the worst first (accounts not cleaned at all, then the most failures). */
  failedAccounts(runId: string, limit: number): Promise<{ worst: FailedAccount[]; total: number }>;
  /**
   * Before a retry: forgets every account that had a failure (its report, regions and ranking), so the
   * retry cleans it again; accounts cleaned without failure stay done. Returns how many were forgotten.
   */
  resetFailedAccounts(runId: string): Promise<number>;
  /**
   * Every planned account: its saved report (none if its steps never ran), whether it finished, and its
   * regions' progress (read whole: the run's end, when some did not finish).
   */
  accountStates(runId: string): Promise<
    {
      account: { accountId: string; name: string };
      report?: AccountReport;
      finished: boolean;
      regions: RegionProgress[];
    }[]
  >;
}

/** Worst first: an account not cleaned at all, then the most failures, then by id (a stable order). */
export function worstFirst(a: FailedAccount, b: FailedAccount): number {
  if (a.accountFailed !== b.accountFailed) return a.accountFailed ? -1 : 1;
  if (a.failed !== b.failed) return b.failed - a.failed;
  return a.accountId.localeCompare(b.accountId);
}
