import type { CoreContext } from "../context";
import { QuartermasterError, toWorkflowError } from "../errors";
import { recordFailure, retriedByWorkflow } from "./failures";
import { VEND_STAGES, type VendStage } from "./stages";
import type { StageCall, VendState } from "./state";

/** The payload every vend-account Task state sends (see `lambdaTask`). */
export interface StageEvent {
  executionArn: string;
  state: VendState;
  /** A callback stage's token (`$$.Task.Token`). */
  taskToken?: string;
}

/**
 * Runs one stage. An error the state machine will not retry ends the execution at this stage, so it
 * is recorded here (with the stage's step) before it is thrown on; retried errors that run out of
 * attempts are recorded by the execution monitor. The error thrown is the workflow's shape of it.
 */
export async function runStage(ctx: CoreContext, stage: VendStage, event: StageEvent): Promise<unknown> {
  try {
    const run: (ctx: CoreContext, state: VendState, call: StageCall) => Promise<unknown> =
      VEND_STAGES[stage].run;
    const result = await run(ctx, event.state, { taskToken: event.taskToken });
    // A callback task ends when its token is completed: here, unless it waits for an event.
    const waiting = (result as { waiting?: boolean } | undefined)?.waiting === true;
    if (event.taskToken && !waiting) await ctx.workflows.completeTask(event.taskToken, result as object);
    return result;
  } catch (error) {
    ctx.logger.warn("Task failed", { error });
    const thrown = toWorkflowError(error);
    if (!retriedByWorkflow(thrown.name)) {
      await recordFailure(ctx, {
        requestId: event.state.requestId,
        step: VEND_STAGES[stage].step ?? stage,
        code: error instanceof QuartermasterError ? error.code : thrown.name,
        message: error instanceof Error ? error.message : String(error),
        executionArn: event.executionArn,
      });
    }
    throw thrown;
  }
}
