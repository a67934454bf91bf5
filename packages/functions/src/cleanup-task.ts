import { AccountClient } from "@aws-sdk/client-account";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { assertNever } from "@quartermaster/core/assert-never";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import { cleanAccountStep } from "@quartermaster/core/cleanup/clean-account";
import { CLEANUP_TASKS, type CleanupTask } from "@quartermaster/core/cleanup/definition";
import type { SandboxAccount } from "@quartermaster/core/cleanup/discover";
import {
  beginRun,
  type CleanupInput,
  type CleanupPlanState,
  finishRun,
} from "@quartermaster/core/cleanup/run";
import type { CoreContext } from "@quartermaster/core/context";
import { toWorkflowError } from "@quartermaster/core/errors";
import { CleanupTaskEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext, taskFromEnvironment } from "./runtime";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = {
  organizations: OrganizationsClient,
  account: AccountClient,
  eventBridge: EventBridgeClient,
  cloudFormation: CloudFormationClient,
  ec2: EC2Client,
  s3: S3Client,
};

/** The state each sandbox-cleanup task receives (see `lambdaTask` in core). */
export interface CleanupTaskEvent {
  executionArn: string;
  state: CleanupInput & {
    plan?: CleanupPlanState;
    error?: { Error: string; Cause?: string };
    account?: SandboxAccount;
  };
}

/** Runs one sandbox-cleanup task against core. */
export async function runCleanupTask(
  ctx: CoreContext,
  task: CleanupTask,
  event: CleanupTaskEvent,
): Promise<unknown> {
  const { state, executionArn } = event;
  switch (task) {
    case "startRun":
      return beginRun(ctx, state, executionArn);
    case "cleanAccount": {
      if (!state.account || !state.runId) throw new Error("An account step needs runId and account");
      // Only an explicit false deletes.
      return cleanAccountStep(ctx, {
        runId: state.runId,
        dryRun: state.dryRun !== false,
        account: state.account,
      });
    }
    case "finishRun":
      return finishRun(ctx, { runId: state.plan?.runId ?? state.runId, error: state.error }, executionArn);
    default:
      return assertNever(task, "task");
  }
}

export function makeCleanupTaskHandler(task: CleanupTask, source: ContextSource) {
  return withBase<CleanupTaskEvent, unknown>(source, async (event, ctx) => {
    ctx.logger.appendKeys({
      executionArn: event.executionArn,
      runId: event.state.plan?.runId ?? event.state.runId,
      accountId: event.state.account?.accountId,
      task,
    });
    try {
      return await runCleanupTask(ctx, task, event);
    } catch (error) {
      ctx.logger.warn("Task failed", { error });
      throw toWorkflowError(error);
    }
  });
}

/** The deployed handler: one function per task, each told its task by `QM_TASK` (set by the stack). */
export const handler = taskFromEnvironment(CLEANUP_TASKS, (task) =>
  makeCleanupTaskHandler(task, lambdaContext(CleanupTaskEnvSchema, CLIENTS)),
);
