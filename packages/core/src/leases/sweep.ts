import { type ClosureCtx, requestClosure } from "../closures/request";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors";
import { LEASE_ENDING, type LeaseEnding } from "../events/closures";
import { publishSafely } from "../events/publisher";
import type { LeaseRecord, VendRequestRecord } from "../store/requests/record";
import { LeaseRequestSchema } from "../store/requests/request";
import { storedRequest } from "../store/requests/store";
import { toFieldIssues } from "../validation";
import { leaseEnd } from "./lease";

type Ctx = ClosureCtx;

/** Leases looked at per sweep: the soonest first; the rest wait for the next sweep (every 15 minutes). */
const LEASES_PER_SWEEP = 500;

export interface SweepResult {
  warned: number;
  closing: number;
}

/** Ends a lease: its account's closure starts (trigger `lease`); a refusal is kept on the lease. */
async function endLease(
  ctx: Ctx,
  record: VendRequestRecord,
  lease: LeaseRecord,
  at: string,
): Promise<boolean> {
  try {
    const closure = await requestClosure(ctx, {
      accountId: record.accountId as string,
      trigger: "lease",
      requestId: record.requestId,
      reason: `lease ended at ${lease.expiresAt}`,
    });
    const closureId = "closureId" in closure ? closure.closureId : undefined;
    // Closed already (on request, before the lease ended): the lease is over with it.
    const status = "status" in closure && closure.status === "CLOSED" ? "CLOSED" : "ENDING";
    await ctx.store.setLease(record.requestId, { ...lease, status, closureId, problem: undefined }, at);
    ctx.logger.info("Lease ended: closure started", {
      requestId: record.requestId,
      accountId: record.accountId,
      closureId,
    });
    return true;
  } catch (error) {
    if (error instanceof ConflictError) {
      // Not ACTIVE any more (closed by hand, say): nothing is left to take back.
      await ctx.store.setLease(record.requestId, { ...lease, status: "CLOSED", problem: error.message }, at);
      return false;
    }
    if (error instanceof ForbiddenError || error instanceof NotFoundError) {
      // Moved out of the closable OUs, or gone: never closed; the lease says why, and is looked at again.
      if (lease.problem !== error.message) {
        ctx.logger.warn("Lease ended but its account is not closed", {
          requestId: record.requestId,
          reason: error.message,
        });
        await ctx.store.setLease(record.requestId, { ...lease, problem: error.message }, at);
      }
      return false;
    }
    throw error;
  }
}

/**
 * What AWS runs every 15 minutes (and local mode every QM_LOCAL_LEASE_CHECK_MS): reads the leases that
 * end within `leases.warnHoursBefore` from the lease index (never a scan of the requests), warns Slack
 * once per end time, and starts the closure of each lease that has ended. A lease of a request that never
 * vended its account (rejected, expired) ends without a closure.
 */
export async function sweepLeases(ctx: Ctx): Promise<SweepResult> {
  const now = ctx.clock();
  const at = now.toISOString();
  const horizon = new Date(now.getTime() + ctx.config.leases.warnHoursBefore * 3_600_000).toISOString();
  const result: SweepResult = { warned: 0, closing: 0 };
  for (const due of await ctx.store.dueLeases(horizon, LEASES_PER_SWEEP)) {
    const record = await ctx.store.get(due.requestId);
    const lease = record?.lease;
    if (!record || !lease || lease.status !== "ACTIVE") continue;
    if (record.status === "REJECTED" || record.status === "EXPIRED") {
      await ctx.store.setLease(
        record.requestId,
        { ...lease, status: "CLOSED", problem: "no account was vended" },
        at,
      );
      continue;
    }
    // The account does not exist yet (waiting, running, failed): the lease waits for it.
    if (record.status !== "SUCCEEDED" || !record.accountId) continue;
    if (Date.parse(lease.expiresAt) <= now.getTime()) {
      if (await endLease(ctx, record, lease, at)) result.closing++;
      continue;
    }
    if (lease.warnedAt) continue;
    const warning: LeaseEnding = {
      requestId: record.requestId,
      accountId: record.accountId,
      accountName: record.request.name,
      expiresAt: lease.expiresAt,
      ...(record.requester ? { requester: record.requester } : {}),
    };
    await publishSafely(ctx, LEASE_ENDING, warning);
    await ctx.store.setLease(record.requestId, { ...lease, warnedAt: at }, at);
    result.warned++;
  }
  return result;
}

/**
 * `POST /accounts/requests/{id}/lease`: moves an active lease's end (`hours` from now, or `expiresAt`),
 * earlier or later; a new end gets a new warning. 409 once the lease is over (or for a request without one).
 * Returns the request as it now stands.
 */
export async function changeLease(ctx: Ctx, requestId: string, body: unknown): Promise<VendRequestRecord> {
  const record = await storedRequest(ctx, requestId);
  const parsed = LeaseRequestSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError("Invalid lease", toFieldIssues(parsed.error));
  if (!record.lease) throw new ConflictError("NO_LEASE", `Request ${requestId} has no lease`);
  if (record.lease.status !== "ACTIVE")
    throw new ConflictError(
      "LEASE_OVER",
      `The lease of request ${requestId} is over (${record.lease.status})`,
    );
  const now = ctx.clock();
  const expiresAt = leaseEnd(parsed.data, now, "");
  await ctx.store.setLease(
    requestId,
    { expiresAt, status: "ACTIVE", ...(record.lease.closureId ? { closureId: record.lease.closureId } : {}) },
    now.toISOString(),
  );
  ctx.logger.info("Lease changed", { requestId, expiresAt });
  const updated = await ctx.store.get(requestId);
  return updated ?? record;
}
