import * as z from "zod";

/** The detail of an `aws.states` "Step Functions Execution Status Change" event (the fields Quartermaster reads). */
export const ExecutionStatusChangeSchema = z.object({
  executionArn: z.string(),
  stateMachineArn: z.string(),
  name: z.string(),
  status: z.string(),
  error: z.string().nullish(),
  cause: z.string().nullish(),
  input: z.string().nullish(),
});
export type ExecutionStatusChange = z.infer<typeof ExecutionStatusChangeSchema>;

export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";
export const FAILED_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"];

/**
 * The id a failed execution worked for: the input's `field` (`requestId`, `runId`), else the
 * execution's name, which is that id, or `<id>-<attempt>` for a restart. Input that is not JSON
 * (it always is, from Quartermaster) falls back to the name, with a warning.
 */
export function executionSubject(
  change: ExecutionStatusChange,
  field: string,
  logger: { warn: (message: string, extra: Record<string, unknown>) => void },
): { id?: string; name: string; nameWithoutAttempt: string } {
  let id: string | undefined;
  try {
    const value = JSON.parse(change.input ?? "{}")[field];
    if (typeof value === "string") id = value;
  } catch (error) {
    logger.warn("Execution input is not JSON", { executionArn: change.executionArn, error });
  }
  return { id, name: change.name, nameWithoutAttempt: change.name.replace(/-\d+$/, "") };
}

/** The name of an execution, the last segment of its ARN: a scheduled run's (or reconcile's) id. */
export function executionName(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(":") + 1);
}
