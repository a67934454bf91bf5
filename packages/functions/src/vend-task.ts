import { BudgetsClient } from "@aws-sdk/client-budgets";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import { runStage, type StageEvent } from "@quartermaster/core/vending/run-stage";
import { VEND_STAGE_NAMES, type VendStage } from "@quartermaster/core/vending/stages";
import { VendTaskEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext, taskFromEnvironment } from "./runtime";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = {
  organizations: OrganizationsClient,
  ssoAdmin: SSOAdminClient,
  budgets: BudgetsClient,
  // The creation wait completes its own callback task when it has its answer.
  sfn: SFNClient,
  eventBridge: EventBridgeClient,
};

/** A Lambda handler for one stage, with request id, execution ARN and account id as log keys. */
export function makeVendTaskHandler(stage: VendStage, source: ContextSource) {
  return withBase<StageEvent, unknown>(source, async (event, ctx) => {
    ctx.logger.appendKeys({
      requestId: event.state.requestId,
      executionArn: event.executionArn,
      accountId: event.state.awaitCreation?.accountId ?? event.state.create?.accountId,
      task: stage,
    });
    return runStage(ctx, stage, event);
  });
}

/** The deployed handler: one function per stage, each told its stage by `QM_TASK` (set by the stack). */
export const handler = taskFromEnvironment(VEND_STAGE_NAMES, (stage) =>
  makeVendTaskHandler(stage, lambdaContext(VendTaskEnvSchema, CLIENTS)),
);
