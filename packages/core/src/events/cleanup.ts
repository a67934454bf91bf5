import * as z from "zod";

/** How many failures the event names: the report (`GET /cleanup/runs/{id}`) has all of them. */
export const MAX_EVENT_FAILURES = 10;
/** The longest failure reason the event carries. */
export const MAX_EVENT_REASON = 500;

/**
 * `Sandbox Cleanup Completed`: a clean-up run ended, whatever its outcome. Bounded whatever the run's
 * size (EventBridge refuses an entry over 256 KB): counts, the first failures, and where the report is.
 */
export const SandboxCleanupCompletedSchema = z.object({
  runId: z.string(),
  status: z.enum(["SUCCEEDED", "PARTIAL", "FAILED"]),
  dryRun: z.boolean(),
  /** What started the run; a closure's clean-up is announced by the closure, not on its own. */
  trigger: z.enum(["api", "schedule", "closure"]).optional(),
  /** Accounts the run cleaned, refused, and could not clean at all. */
  accounts: z.number().int().optional(),
  refused: z.number().int().optional(),
  accountsFailed: z.number().int().optional(),
  /** Accounts with at least one failure: `failures` names the worst of them. */
  accountsWithFailures: z.number().int().optional(),
  deleted: z.number().int(),
  skipped: z.number().int(),
  /** Every failure of the run: an account that could not be cleaned, a stack that could not be deleted. */
  failureCount: z.number().int(),
  /**
   * The worst accounts, one entry each with its first failure (accounts that could not be cleaned
   * first, then the most failures), at most MAX_EVENT_FAILURES.
   */
  failures: z
    .array(
      z.object({
        accountId: z.string(),
        region: z.string().optional(),
        stack: z.string().optional(),
        /** The account's failures in all. */
        count: z.number().int().optional(),
        reason: z.string().max(MAX_EVENT_REASON),
      }),
    )
    .max(MAX_EVENT_FAILURES),
  /** The run's report in the API: `/cleanup/runs/<runId>`. */
  report: z.string(),
});
export type SandboxCleanupCompleted = z.infer<typeof SandboxCleanupCompletedSchema>;

export const SANDBOX_CLEANUP_COMPLETED = "Sandbox Cleanup Completed";
