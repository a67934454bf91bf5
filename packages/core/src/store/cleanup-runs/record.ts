import * as z from "zod";

/** A stack a run left alone (skipped) or could not delete (failed), and why. */
export interface Skip {
  stack: string;
  reason: string;
}

export type RunStatus = "RUNNING" | "SUCCEEDED" | "PARTIAL" | "FAILED";

export interface RegionReport {
  region: string;
  /** Deleted stacks; in a dry run, the stacks that would be deleted. */
  deleted: string[];
  skipped: Skip[];
  failed: Skip[];
  /** Set when the region could not be cleaned at all (ListStacks denied, say); the other regions go on. */
  error?: string;
  /** Set when the region was left alone on purpose (not enabled for the account): not a failure. */
  notCleaned?: string;
  /** While the region is being cleaned: stacks being deleted or waiting for their importers to go. */
  inProgress?: string[];
}

/** One account-region's clean-up as it goes (saved by each task of the region loop): its report, and what is left. */
export interface RegionProgress extends Omit<RegionReport, "inProgress"> {
  /** Stacks to delete that have not been started, in plan order (importers first). */
  pending: string[];
  /** Deletions started and not ended yet. */
  inFlight: { stack: string; forced: boolean }[];
  /** Stack -> the stacks in the plan that import from it: they must be gone before it may go. */
  dependents: Record<string, string[]>;
  /** Stacks were still changing on their own when the region was read: it is read again. */
  settling: boolean;
  done: boolean;
  startedAt: string;
  deadline: string;
}

export interface AccountReport {
  accountId: string;
  name: string;
  regions: RegionReport[];
  /** Set when the account could not be cleaned at all (assume-role failure, say). */
  error?: string;
}

/** An account in scope that the run refused (management account, Quartermaster's own, not ACTIVE). */
export interface Refusal {
  accountId: string;
  name: string;
  reason: string;
}

/**
 * A run's counts, kept on its head item as accounts finish (atomic counters), so the answer to
 * `GET /cleanup/runs/{id}` is whole at any size while its lists are paged.
 */
export interface RunSummary {
  /** Accounts the run cleans (its report has one entry for each). */
  accounts: number;
  refused: number;
  /** Accounts whose clean-up has ended. */
  finished: number;
  /** Stacks deleted (in a dry run, that would be deleted). */
  deleted: number;
  skipped: number;
  /** Stacks that could not be deleted, and regions that could not be read. */
  failed: number;
  /** Accounts that could not be cleaned at all (the member role could not be assumed, say). */
  accountsFailed: number;
}

export const EMPTY_SUMMARY: RunSummary = {
  accounts: 0,
  refused: 0,
  finished: 0,
  deleted: 0,
  skipped: 0,
  failed: 0,
  accountsFailed: 0,
};

/** What an account's finished clean-up adds to the run's counts, and its worst failure. */
export interface AccountOutcome {
  deleted: number;
  skipped: number;
  failed: number;
  accountFailed: boolean;
  /** The first failure (the account's own error, else its first stack or region failure). */
  worst?: { reason: string; region?: string; stack?: string };
}

/** An account with failures, as the run's summary ranks them (the Slack message names the worst). */
export interface FailedAccount {
  accountId: string;
  name: string;
  failed: number;
  accountFailed: boolean;
  reason: string;
  region?: string;
  stack?: string;
}

/** Where a page of a run's report continues: the last account and refusal served ("~" once a list is done). */
export interface RunCursor {
  account?: string;
  refused?: string;
}

/** One page of a run's report: the head, its whole summary, and a page of each list. */
export interface CleanupRunPage extends Omit<CleanupRun, "accounts" | "refused"> {
  summary: RunSummary;
  accounts: AccountReport[];
  refused: Refusal[];
  /** Absent on the last page. */
  next?: RunCursor;
}

/** A clean-up run as stored and served by `GET /cleanup/runs/{id}`. */
export interface CleanupRun {
  runId: string;
  status: RunStatus;
  dryRun: boolean;
  /** `closure`: the clean-up of one account a closure runs before CloseAccount. */
  trigger: "api" | "schedule" | "closure";
  /** Accounts requested by the caller; absent means every sandbox account. */
  requestedAccounts?: string[];
  /** Accounts in scope that were refused (management account, Quartermaster's own). */
  refused: Refusal[];
  accounts: AccountReport[];
  /** Absent on runs stored before the counts were kept. */
  summary?: RunSummary;
  /** Where the run's accounts were written for its fan-out (the items bucket). */
  items?: { bucket: string; key: string; count: number };
  executionArn?: string;
  attempts: number;
  error?: string;
  startedAt: string;
  endedAt?: string;
}

const SkipSchema = z.object({ stack: z.string(), reason: z.string() });

const RegionReportSchema = z.object({
  region: z.string(),
  deleted: z.array(z.string()),
  skipped: z.array(SkipSchema),
  failed: z.array(SkipSchema),
  error: z.string().optional(),
  notCleaned: z.string().optional(),
  inProgress: z.array(z.string()).optional(),
}) satisfies z.ZodType<RegionReport>;

/** One account's report as stored: parsed, not cast, when read back. */
export const AccountReportSchema = z.object({
  accountId: z.string(),
  name: z.string(),
  regions: z.array(RegionReportSchema),
  error: z.string().optional(),
}) satisfies z.ZodType<AccountReport>;

export const RegionProgressSchema = RegionReportSchema.omit({ inProgress: true }).extend({
  pending: z.array(z.string()),
  inFlight: z.array(z.object({ stack: z.string(), forced: z.boolean() })),
  dependents: z.record(z.string(), z.array(z.string())),
  settling: z.boolean(),
  done: z.boolean(),
  startedAt: z.string(),
  deadline: z.string(),
}) satisfies z.ZodType<RegionProgress>;

/** What a region's progress shows in the run's report. */
export function regionReportOf(progress: RegionProgress): RegionReport {
  const inProgress = [...progress.inFlight.map((d) => d.stack), ...progress.pending];
  return {
    region: progress.region,
    deleted: progress.deleted,
    skipped: progress.skipped,
    failed: progress.failed,
    ...(progress.error ? { error: progress.error } : {}),
    ...(progress.notCleaned ? { notCleaned: progress.notCleaned } : {}),
    ...(inProgress.length || !progress.done ? { inProgress } : {}),
  };
}

export const RunSummarySchema = z.object({
  accounts: z.number(),
  refused: z.number(),
  finished: z.number(),
  deleted: z.number(),
  skipped: z.number(),
  failed: z.number(),
  accountsFailed: z.number(),
}) satisfies z.ZodType<RunSummary>;

/** A run's head item as stored (its account reports are items of their own). */
export const CleanupRunHeadSchema = z.object({
  runId: z.string(),
  status: z.enum(["RUNNING", "SUCCEEDED", "PARTIAL", "FAILED"]),
  dryRun: z.boolean(),
  trigger: z.enum(["api", "schedule", "closure"]),
  requestedAccounts: z.array(z.string()).optional(),
  /** Runs stored before refusals became items of their own kept them here. */
  refused: z.array(z.object({ accountId: z.string(), name: z.string(), reason: z.string() })).optional(),
  summary: RunSummarySchema.optional(),
  items: z.object({ bucket: z.string(), key: z.string(), count: z.number() }).optional(),
  executionArn: z.string().optional(),
  attempts: z.number(),
  error: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
}) satisfies z.ZodType<Omit<CleanupRun, "accounts" | "refused"> & { refused?: Refusal[] }>;

export const RefusalSchema = z.object({ accountId: z.string(), name: z.string(), reason: z.string() });

export const FailedAccountSchema = z.object({
  accountId: z.string(),
  name: z.string(),
  failed: z.number(),
  accountFailed: z.boolean(),
  reason: z.string(),
  region: z.string().optional(),
  stack: z.string().optional(),
}) satisfies z.ZodType<FailedAccount>;

/** A region's report in place of the account's entry for it (the account's order kept), or appended. */
export function mergeRegion(regions: RegionReport[], region: RegionReport): RegionReport[] {
  return regions.some((r) => r.region === region.region)
    ? regions.map((r) => (r.region === region.region ? region : r))
    : [...regions, region];
}

/** An account's report with its regions' saved progress folded in, in the report's region order. */
export function withRegionProgress(report: AccountReport, regions: RegionProgress[]): AccountReport {
  let merged = report.regions;
  for (const progress of regions) merged = mergeRegion(merged, regionReportOf(progress));
  return { ...report, regions: merged };
}
