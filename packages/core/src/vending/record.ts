import type { CoreContext } from "../context";
import { publishSafely } from "../events/publisher";
import { ACCOUNT_READY, type AccountReady } from "../events/vending";
import { METRIC } from "../metrics";
import { accessPortalUrl } from "../org/directory";
import { accountIdOf, type VendState } from "./state";

type Ctx = Pick<CoreContext, "store" | "clock" | "logger" | "events" | "config" | "metrics">;

/** Stage `record`: the request is SUCCEEDED and `Account Ready` is published. */
export async function recordSuccess(ctx: Ctx, state: VendState): Promise<{ accountId: string }> {
  const accountId = accountIdOf(state);
  // Run twice (a Lambda retry after a lost response): the account is announced once. One write,
  // which returns the record as it was: already SUCCEEDED means announced already.
  const now = ctx.clock();
  const record = await ctx.store.complete(
    state.requestId,
    { accountId, ouId: state.resolved.ouId },
    now.toISOString(),
  );
  if (record?.status === "SUCCEEDED") return { accountId };
  ctx.metrics.add(METRIC.vendsSucceeded, "Count", 1);
  if (record)
    ctx.metrics.add(METRIC.vendDuration, "Seconds", (now.getTime() - Date.parse(record.createdAt)) / 1000);
  const budget = state.request.budget;
  const portalUrl = accessPortalUrl(ctx.config, state.resolved.identityStoreId);
  const detail: AccountReady = {
    requestId: state.requestId,
    accountId,
    accountName: state.request.name,
    email: state.request.email,
    ouPath: state.resolved.ouPath,
    requester: record?.requester,
    access: state.resolved.access.map((a) => ({
      group: a.group,
      permissionSets: a.permissionSets.map((p) => p.name),
    })),
    budget: {
      monthlyLimitUsd: budget?.monthlyLimitUsd ?? ctx.config.budgetDefaults.monthlyLimitUsd,
      thresholds: budget?.thresholds ?? ctx.config.budgetDefaults.thresholds,
    },
    portalUrl,
    ...(record?.lease ? { leaseExpiresAt: record.lease.expiresAt } : {}),
  };
  await publishSafely(ctx, ACCOUNT_READY, detail);
  return { accountId };
}
