import type { CoreContext } from "../context";
import type { StepRecord, VendStep } from "../store/requests/record";
import type { StepAlso } from "../store/requests/store";

type Ctx = Pick<CoreContext, "store" | "clock">;

/**
 * Marks a step RUNNING in the request record (started now, or at `startedAt`), with what else the
 * same write records (`also`); returns when it started, and the step as it was before (undefined the
 * first time: a step that ran before is running again).
 */
export async function stepStarted(
  ctx: Ctx,
  requestId: string,
  name: VendStep,
  startedAt?: string,
  also?: StepAlso,
): Promise<{ startedAt: string; before?: StepRecord }> {
  const at = ctx.clock().toISOString();
  const started = startedAt ?? at;
  const before = await ctx.store.putStep(
    requestId,
    { name, status: "RUNNING", startedAt: started },
    at,
    also,
  );
  return { startedAt: started, before };
}

/** Marks a step SUCCEEDED, keeping the time it started, with what else the same write records (`also`). */
export async function stepSucceeded(
  ctx: Ctx,
  requestId: string,
  name: VendStep,
  startedAt: string,
  also?: StepAlso,
): Promise<void> {
  const at = ctx.clock().toISOString();
  await ctx.store.putStep(requestId, { name, status: "SUCCEEDED", startedAt, endedAt: at }, at, also);
}

/** Runs a one-shot step between RUNNING and SUCCEEDED records; a failure is recorded by the task wrapper or the execution monitor. */
export async function tracked<T>(
  ctx: Ctx,
  requestId: string,
  name: VendStep,
  run: () => Promise<T>,
): Promise<T> {
  const { startedAt } = await stepStarted(ctx, requestId, name);
  const result = await run();
  await stepSucceeded(ctx, requestId, name, startedAt);
  return result;
}
