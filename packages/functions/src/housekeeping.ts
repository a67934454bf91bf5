import { expireApprovals } from "@quartermaster/core/approvals/decide";
import { NotificationsEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext } from "./runtime";

/** The 15-minute schedule's target: undecided approvals past their window become EXPIRED. */
export function makeHousekeepingHandler(source: ContextSource) {
  return withBase<unknown, { expiredApprovals: number }>(source, async (_event, ctx) => {
    const expiredApprovals = await expireApprovals(ctx);
    ctx.logger.info("Housekeeping done", { expiredApprovals });
    return { expiredApprovals };
  });
}

export const handler = makeHousekeepingHandler(lambdaContext(NotificationsEnvSchema));
