import { z } from "zod";
import type { Skip } from "../../cleanup/plan";

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

/** One account's report as stored: parsed, not cast, when read back. */
export const AccountReportSchema = z.object({
  accountId: z.string(),
  name: z.string(),
  regions: z.array(
    z.object({
      region: z.string(),
      deleted: z.array(z.string()),
      skipped: z.array(SkipSchema),
      failed: z.array(SkipSchema),
      error: z.string().optional(),
      notCleaned: z.string().optional(),
    }),
  ),
  error: z.string().optional(),
}) satisfies z.ZodType<AccountReport>;

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
