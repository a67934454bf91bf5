import { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { assertNever } from "@quartermaster/core/assert-never";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import { BASELINE_TASKS, type BaselineTask } from "@quartermaster/core/baseline/definition";
import {
  applyChanges,
  finishApply,
  finishPlan,
  readGroup,
  startPlan,
} from "@quartermaster/core/baseline/run";
import type { CoreContext } from "@quartermaster/core/context";
import { toWorkflowError } from "@quartermaster/core/errors";
import { BaselineTaskEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext, taskFromEnvironment } from "./runtime";

/** The AWS clients this function builds: those its IAM actions name (the infra test checks both ways). */
export const CLIENTS: ClientClasses = {
  organizations: OrganizationsClient,
  ssoAdmin: SSOAdminClient,
  identityStore: IdentitystoreClient,
  s3: S3Client,
};

/** The state each baseline task receives (see `lambdaTask` in core). */
export interface BaselineTaskEvent {
  executionArn: string;
  state: {
    planId?: string;
    plan?: { planId: string };
    group?: { id: string; name: string };
    error?: { Error: string; Cause?: string };
  };
}

function planIdOf(event: BaselineTaskEvent): string {
  const planId = event.state.planId ?? event.state.plan?.planId;
  if (!planId) throw new Error("A baseline task needs planId");
  return planId;
}

/** Runs one baseline task against core. */
export async function runBaselineTask(ctx: CoreContext, task: BaselineTask, event: BaselineTaskEvent) {
  const planId = planIdOf(event);
  switch (task) {
    case "startPlan":
      return startPlan(ctx, planId, event.executionArn);
    case "readGroup": {
      if (!event.state.group) throw new Error("ReadGroup needs group");
      await readGroup(ctx, planId, event.state.group);
      return {};
    }
    case "finishPlan":
      return finishPlan(ctx, planId, event.state.error);
    case "applyChanges":
      return applyChanges(ctx, planId);
    case "finishApply":
      return finishApply(ctx, planId, event.state.error);
    default:
      return assertNever(task, "task");
  }
}

export function makeBaselineTaskHandler(task: BaselineTask, source: ContextSource) {
  return withBase<BaselineTaskEvent, unknown>(source, async (event, ctx) => {
    ctx.logger.appendKeys({
      executionArn: event.executionArn,
      planId: event.state.planId ?? event.state.plan?.planId,
      task,
    });
    try {
      return await runBaselineTask(ctx, task, event);
    } catch (error) {
      ctx.logger.warn("Task failed", { error });
      throw toWorkflowError(error);
    }
  });
}

/** The deployed handler: one function per task, each told its task by `QM_TASK` (set by the stack). */
export const handler = taskFromEnvironment(BASELINE_TASKS, (task) =>
  makeBaselineTaskHandler(task, lambdaContext(BaselineTaskEnvSchema, CLIENTS)),
);
