import type { CoreContext } from "../context";
import { type FieldIssue, ValidationError } from "../errors";
import { coveringRef } from "../org/scope";
import { type LeaseRequest, MAX_LEASE_HOURS } from "../store/requests/request";

/**
 * When a lease ends: `hours` from `now`, or its `expiresAt`, which must be in the future and at most
 * 90 days ahead. Issues name `path` (`lease.expiresAt` in a vend, `expiresAt` on the lease route).
 */
export function leaseEnd(lease: LeaseRequest, now: Date, path: string): string {
  if (lease.hours !== undefined) return new Date(now.getTime() + lease.hours * 3_600_000).toISOString();
  const end = Date.parse(lease.expiresAt as string);
  const issues: FieldIssue[] = [];
  if (end <= now.getTime()) issues.push({ path: `${path}expiresAt`, message: "must be in the future" });
  if (end > now.getTime() + MAX_LEASE_HOURS * 3_600_000)
    issues.push({ path: `${path}expiresAt`, message: "must be at most 90 days ahead" });
  if (issues.length) throw new ValidationError("Invalid lease", issues);
  return new Date(end).toISOString();
}

/** A lease is only for accounts under the sandbox OUs: 422 otherwise. */
export async function assertLeasable(
  ctx: Pick<CoreContext, "clients" | "retry" | "logger" | "config">,
  ou: { id: string; path: string },
): Promise<void> {
  if (await coveringRef(ctx, ou, ctx.config.sandboxOuPaths)) return;
  throw new ValidationError("A lease is only for sandbox accounts", [
    {
      path: "lease",
      message: `leases are only for OUs under the sandbox OUs (${ctx.config.sandboxOuPaths.join(", ")}), not ${ou.path}`,
    },
  ]);
}
