import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import { recordBaselineExecutionFailure } from "@quartermaster/core/baseline/run";
import { recordReconcileExecutionFailure } from "@quartermaster/core/budgets/reconcile";
import { recordCleanupExecutionFailure } from "@quartermaster/core/cleanup/run";
import { recordClosureExecutionFailure } from "@quartermaster/core/closures/tasks";
import { recordDriftExecutionFailure } from "@quartermaster/core/drift/repair";
import { recordExecutionFailure } from "@quartermaster/core/vending/failures";
import { ExecutionStatusChangeSchema } from "@quartermaster/core/workflow/execution-events";
import { NotificationsEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext } from "./runtime";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = { eventBridge: EventBridgeClient };

/** An `aws.states` execution status change, as the EventBridge rule delivers it (the detail is parsed). */
export interface ExecutionStatusEvent {
  id: string;
  detail: unknown;
}

/**
 * Records vend requests and clean-up runs whose execution ended FAILED, TIMED_OUT or ABORTED
 * without a task recording it (retries exhausted, timeouts, aborts), so nothing stays RUNNING
 * forever and every failure reaches Slack once, as its domain event.
 */
export function makeExecutionMonitorHandler(source: ContextSource) {
  return withBase<ExecutionStatusEvent, { recorded: boolean }>(source, async (event, ctx) => {
    const parsed = ExecutionStatusChangeSchema.safeParse(event.detail);
    if (!parsed.success) {
      // Redelivering it would not make it valid: log it and acknowledge.
      ctx.logger.error("Malformed execution status change ignored", {
        eventId: event.id,
        error: parsed.error,
      });
      return { recorded: false };
    }
    ctx.logger.appendKeys({ executionArn: parsed.data.executionArn });
    // Each workflow's own recorder ignores the other's executions.
    const recorded =
      (await recordExecutionFailure(ctx, parsed.data)) ||
      (await recordCleanupExecutionFailure(ctx, parsed.data)) ||
      (await recordClosureExecutionFailure(ctx, parsed.data)) ||
      (await recordReconcileExecutionFailure(ctx, parsed.data)) ||
      (await recordBaselineExecutionFailure(ctx, parsed.data)) ||
      (await recordDriftExecutionFailure(ctx, parsed.data));
    return { recorded };
  });
}

export const handler = makeExecutionMonitorHandler(lambdaContext(NotificationsEnvSchema, CLIENTS));
