import type { CoreContext } from "../context";
import { ACCOUNT_READY, type AccountReady } from "./events";
import { accountIdOf, type VendState } from "./state";

type Ctx = Pick<CoreContext, "store" | "clock" | "logger" | "events" | "config">;

/** Publishes a domain event; a failure is logged as an error, never turned into a failed request (DESIGN rule 6). */
export async function publishSafely(
  ctx: Pick<CoreContext, "events" | "logger">,
  detailType: string,
  detail: object,
): Promise<void> {
  try {
    await ctx.events.publish(detailType, detail);
  } catch (error) {
    ctx.logger.error("Could not publish domain event", { detailType, error });
  }
}

/** Step `recordSuccess`: the request is SUCCEEDED and `Account Ready` is published. */
export async function recordSuccess(ctx: Ctx, state: VendState): Promise<{ accountId: string }> {
  const accountId = accountIdOf(state);
  // Run twice (a Lambda retry after a lost response): the account is announced once.
  if ((await ctx.store.get(state.requestId))?.status === "SUCCEEDED") return { accountId };
  await ctx.store.complete(
    state.requestId,
    { accountId, ouId: state.resolved.ouId },
    ctx.clock().toISOString(),
  );
  const record = await ctx.store.get(state.requestId);
  const budget = state.request.budget;
  const storeId = state.resolved.identityStoreId;
  const portalUrl =
    ctx.config.identityCenter.portalUrl ?? (storeId ? `https://${storeId}.awsapps.com/start` : undefined);
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
  };
  await publishSafely(ctx, ACCOUNT_READY, detail);
  return { accountId };
}

/** Turns a Catch's `{Error, Cause}` into a readable message: Lambda wraps the cause as JSON. */
export function describeCaught(error: { Error: string; Cause?: string }): { code: string; message: string } {
  let message = error.Cause ?? error.Error;
  try {
    const parsed = JSON.parse(error.Cause ?? "");
    if (parsed && typeof parsed.errorMessage === "string") message = parsed.errorMessage;
  } catch {
    // Not JSON: the local interpreter passes the error message as it is.
  }
  // Task errors carry their code in front of the message (see toWorkflowError).
  const coded = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(message);
  return coded ? { code: coded[1] as string, message: coded[2] as string } : { code: error.Error, message };
}
