import { recordExecutionFailure } from "@quartermaster/core/vending/failures";
import type { ExecutionStatusChange } from "@quartermaster/core/workflow/execution-events";
import { NotificationsEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext } from "./runtime";

/** An `aws.states` execution status change, as the EventBridge rule delivers it. */
export interface ExecutionStatusEvent {
  id: string;
  detail: ExecutionStatusChange;
}

/**
 * Records vend requests whose execution ended FAILED, TIMED_OUT or ABORTED without a task
 * recording it (retries exhausted, timeouts), so no request stays RUNNING forever.
 */
export function makeExecutionMonitorHandler(source: ContextSource) {
  return withBase<ExecutionStatusEvent, { recorded: boolean }>(source, async (event, ctx) => {
    ctx.logger.appendKeys({ executionArn: event.detail.executionArn });
    return { recorded: await recordExecutionFailure(ctx, event.detail) };
  });
}

export const handler = makeExecutionMonitorHandler(lambdaContext(NotificationsEnvSchema));
