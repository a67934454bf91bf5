import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SFNClient } from "@aws-sdk/client-sfn";
import { expireApprovals } from "@quartermaster/core/approvals/decide";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import { sweepLeases } from "@quartermaster/core/leases/sweep";
import { HousekeepingEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext } from "./runtime";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = {
  organizations: OrganizationsClient,
  sfn: SFNClient,
  eventBridge: EventBridgeClient,
};

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

export const handler = makeHousekeepingHandler(lambdaContext(HousekeepingEnvSchema, CLIENTS));
