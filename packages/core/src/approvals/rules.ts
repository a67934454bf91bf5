import type { ApprovalRule } from "../config/config";
import type { CoreContext } from "../context";
import { coveringRef } from "../org/scope";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger">;

/** The first configured approval rule that covers an OU (given by its resolved id and path), if any. */
export async function coveringRule(
  ctx: Ctx,
  ou: { id: string; path: string },
): Promise<ApprovalRule | undefined> {
  for (const rule of ctx.config.approvals.rules) if (await coveringRef(ctx, ou, rule.ous)) return rule;
  return undefined;
}
