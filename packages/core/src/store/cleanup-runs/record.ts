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
  refused: { accountId: string; name: string; reason: string }[];
  accounts: AccountReport[];
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

/** A run's head item as stored (its account reports are items of their own). */
export const CleanupRunHeadSchema = z.object({
  runId: z.string(),
  status: z.enum(["RUNNING", "SUCCEEDED", "PARTIAL", "FAILED"]),
  dryRun: z.boolean(),
  trigger: z.enum(["api", "schedule", "closure"]),
  requestedAccounts: z.array(z.string()).optional(),
  refused: z.array(z.object({ accountId: z.string(), name: z.string(), reason: z.string() })),
  executionArn: z.string().optional(),
  attempts: z.number(),
  error: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
}) satisfies z.ZodType<Omit<CleanupRun, "accounts">>;

/** A region's report in place of the account's entry for it (the account's order kept), or appended. */
export function mergeRegion(regions: RegionReport[], region: RegionReport): RegionReport[] {
  return regions.some((r) => r.region === region.region)
    ? regions.map((r) => (r.region === region.region ? region : r))
    : [...regions, region];
}
