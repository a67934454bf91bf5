import { runStage, type StageEvent } from "@quartermaster/core/vending/run-stage";
import { VEND_STAGE_NAMES, type VendStage } from "@quartermaster/core/vending/stages";
import { VendTaskEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext, taskFromEnvironment } from "./runtime";

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
  makeVendTaskHandler(stage, lambdaContext(VendTaskEnvSchema)),
);
