import type { CoreContext } from "../context";
import { publishSafely } from "../events/publisher";
import { ACCOUNT_VENDING_FAILED, type AccountVendingFailed } from "../events/vending";
import { METRIC } from "../metrics";
import type { VendStep } from "../store/requests/record";
import { type ExecutionStatusChange, executionSubject } from "../workflow/execution-events";
import { VEND_RETRIED_ERRORS } from "./definition";
import { VEND_STEPS } from "./stages";

type Ctx = Pick<CoreContext, "store" | "clock" | "logger" | "events" | "createSlots" | "metrics">;

/** Whether the state machine retries this error, read from the definition's own Retry policies. */
export function retriedByWorkflow(errorName: string): boolean {
  return VEND_RETRIED_ERRORS.has(errorName);
}

/**
 * An execution's `{error, cause}` as code and message. Lambda wraps the cause as JSON; task errors
 * carry their code in front of the message (see toWorkflowError).
 */
export function describeCaught(error: { Error: string; Cause?: string }): { code: string; message: string } {
  let message = error.Cause ?? error.Error;
  try {
    const parsed = JSON.parse(error.Cause ?? "");
    if (parsed && typeof parsed.errorMessage === "string") message = parsed.errorMessage;
  } catch {
    // Not JSON: the local interpreter passes the error message as it is.
  }
  const coded = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(message);
  return coded ? { code: coded[1] as string, message: coded[2] as string } : { code: error.Error, message };
}

function isVendStep(name: string): name is VendStep {
  return (VEND_STEPS as readonly string[]).includes(name);
}

/**
 * Marks the request FAILED at `step` and publishes `Account Vending Failed`, once: a request
 * already FAILED or SUCCEEDED is left as it is (the task and the execution monitor may both report).
 */
export async function recordFailure(
  ctx: Ctx,
  failure: {
    requestId: string;
    accountName?: string;
    step: string;
    code: string;
    message: string;
    executionArn?: string;
  },
): Promise<boolean> {
  const record = await ctx.store.get(failure.requestId);
  if (!record || record.status === "FAILED" || record.status === "SUCCEEDED") return false;
  const at = ctx.clock().toISOString();
  const previous = isVendStep(failure.step) ? record.steps[failure.step] : undefined;
  const step = isVendStep(failure.step)
    ? {
        name: failure.step,
        status: "FAILED" as const,
        startedAt: previous?.startedAt ?? at,
        endedAt: at,
        error: failure.message,
      }
    : undefined;
  await ctx.store.fail(
    failure.requestId,
    { code: failure.code, message: failure.message, step: failure.step },
    step,
    at,
  );
  ctx.metrics.add(METRIC.vendsFailed, "Count", 1, { Step: failure.step });
  // A failure before creation finished must not keep a CreateAccount slot.
  await ctx.createSlots.release(failure.requestId);
  ctx.logger.error("Vend request failed", {
    requestId: failure.requestId,
    step: failure.step,
    code: failure.code,
  });
  const detail: AccountVendingFailed = {
    requestId: failure.requestId,
    accountName: failure.accountName ?? record.request.name,
    step: failure.step,
    code: failure.code,
    message: failure.message,
    executionArn: failure.executionArn ?? record.executionArn,
  };
  await publishSafely(ctx, ACCOUNT_VENDING_FAILED, detail);
  return true;
}

/** The step a failed execution stopped in: the one the record shows RUNNING (last in order), if any. */
function runningStep(steps: Partial<Record<VendStep, { status: string }>>): VendStep | undefined {
  return [...VEND_STEPS].reverse().find((name) => steps[name]?.status === "RUNNING");
}

/**
 * The backstop for failures no task could record (retries exhausted, Lambda timeouts,
 * TIMED_OUT and ABORTED executions): driven by the `aws.states` execution status change.
 */
export async function recordExecutionFailure(ctx: Ctx, change: ExecutionStatusChange): Promise<boolean> {
  // Deployed names are `<stage>-quartermaster-vend-account`; clean-up runs have their own recorder.
  if (!change.stateMachineArn.endsWith("vend-account")) return false;
  const subject = executionSubject(change, "requestId", ctx.logger);
  const requestId = subject.id ?? subject.nameWithoutAttempt;
  const record = await ctx.store.get(requestId);
  if (!record) {
    ctx.logger.warn("No request for a failed execution", { executionArn: change.executionArn, requestId });
    return false;
  }
  const { code, message } = describeCaught({
    Error: change.error ?? `States.${change.status}`,
    Cause: change.cause ?? `The execution ended ${change.status}`,
  });
  return recordFailure(ctx, {
    requestId,
    step: runningStep(record.steps) ?? "unknown",
    code,
    message,
    executionArn: change.executionArn,
  });
}
