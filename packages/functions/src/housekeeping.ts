import { expireApprovals } from "@quartermaster/core/approvals/decide";
import { sweepLeases } from "@quartermaster/core/leases/sweep";
import { HousekeepingEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext } from "./runtime";

/**
 * The 15-minute schedule's target: undecided approvals past their window become EXPIRED; leases that
 * end soon are announced, and ended ones start their account's closure.
 */
export function makeHousekeepingHandler(source: ContextSource) {
  return withBase<unknown, { expiredApprovals: number; leasesWarned: number; leasesClosing: number }>(
    source,
    async (_event, ctx) => {
      const expiredApprovals = await expireApprovals(ctx);
      const leases = await sweepLeases(ctx);
      const result = { expiredApprovals, leasesWarned: leases.warned, leasesClosing: leases.closing };
      ctx.logger.info("Housekeeping done", result);
      return result;
    },
  );
}

export const handler = makeHousekeepingHandler(lambdaContext(HousekeepingEnvSchema));
