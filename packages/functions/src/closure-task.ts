import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import type { ClosureInput } from "@quartermaster/core/closures/request";
import { CLOSURE_TASKS, type ClosureTask, runClosureTask } from "@quartermaster/core/closures/tasks";
import { ClosureTaskEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext, taskFromEnvironment } from "./runtime";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = {
  organizations: OrganizationsClient,
  sfn: SFNClient,
  eventBridge: EventBridgeClient,
};

/** The payload every account-closure Task state sends (see `lambdaTask` in core). */
export interface ClosureTaskEvent {
  executionArn: string;
  state: ClosureInput;
}

/** A Lambda handler for one closure task, with the closure id and execution ARN as log keys. */
export function makeClosureTaskHandler(task: ClosureTask, source: ContextSource) {
  return withBase<ClosureTaskEvent, unknown>(source, async (event, ctx) => {
    ctx.logger.appendKeys({
      closureId: event.state.closureId,
      accountId: event.state.closureId.replace(/^closure-/, ""),
      executionArn: event.executionArn,
      task,
    });
    return runClosureTask(ctx, task, event.state);
  });
}

/** The deployed handler: one function per task, each told its task by `QM_TASK` (set by the stack). */
export const handler = taskFromEnvironment(CLOSURE_TASKS, (task) =>
  makeClosureTaskHandler(task, lambdaContext(ClosureTaskEnvSchema, CLIENTS)),
);
