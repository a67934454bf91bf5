import * as z from "zod";

/** `Sandbox Cleanup Completed`: a clean-up run ended, whatever its outcome. */
export const SandboxCleanupCompletedSchema = z.object({
  runId: z.string(),
  status: z.enum(["SUCCEEDED", "PARTIAL", "FAILED"]),
  dryRun: z.boolean(),
  /** What started the run; a closure's clean-up is announced by the closure, not on its own. */
  trigger: z.enum(["api", "schedule", "closure"]).optional(),
  deleted: z.number().int(),
  skipped: z.number().int(),
  failures: z.array(
    z.object({
      accountId: z.string(),
      region: z.string().optional(),
      stack: z.string().optional(),
      reason: z.string(),
    }),
  ),
});
export type SandboxCleanupCompleted = z.infer<typeof SandboxCleanupCompletedSchema>;

export const SANDBOX_CLEANUP_COMPLETED = "Sandbox Cleanup Completed";
