import { ListRegionsCommand } from "@aws-sdk/client-account";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger" | "clock">;

/** The regions to clean: configured, else the account's enabled regions (EC2 DescribeRegions where ListRegions is unavailable). */
export async function cleanupRegions(ctx: Ctx, accountId: string): Promise<string[]> {
  if (ctx.config.cleanup.regions.length > 0) return ctx.config.cleanup.regions;
  try {
    const regions = await pagedList(
      (token) =>
        ctx.clients.account.send(
          new ListRegionsCommand({
            AccountId: accountId,
            RegionOptStatusContains: ["ENABLED", "ENABLED_BY_DEFAULT"],
            NextToken: token,
          }),
        ),
      (out) => out.Regions,
    );
    return regions.map((r) => r.RegionName as string);
  } catch (error) {
    ctx.logger.warn("account:ListRegions failed; falling back to EC2 DescribeRegions", { accountId, error });
    const out = await ctx.clients.ec2.send(new DescribeRegionsCommand({}));
    return (out.Regions ?? []).map((r) => r.RegionName as string);
  }
}
