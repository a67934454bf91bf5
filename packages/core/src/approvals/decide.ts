import * as z from "zod";
import type { CoreContext } from "../context";
import { ConflictError, ForbiddenError } from "../errors";
import { REQUEST_DECIDED, type RequestDecided } from "../events/approvals";
import { publishSafely } from "../events/publisher";
import type { VendRequestRecord } from "../store/requests/record";
import { type DecisionUpdate, storedRequest } from "../store/requests/store";
import { isApprover, sameEmail } from "./identity";
import { coveringRule } from "./rules";

type Ctx = Pick<
  CoreContext,
  "clients" | "config" | "retry" | "store" | "clock" | "logger" | "workflows" | "events" | "metrics"
>;

export type DecisionAction = "approve" | "reject";

/** `POST /accounts/requests/{id}/approve`: a reason is optional. */
export const ApproveBodySchema = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });
/** `POST /accounts/requests/{id}/reject`: a reason is required. */
export const RejectBodySchema = z.strictObject({ reason: z.string().trim().min(1).max(500) });

export interface DecisionInput {
  requestId: string;
  action: DecisionAction;
  /** The deciding person's email; undefined when the caller could not be identified. */
  by: string | undefined;
  reason?: string;
  via: "slack" | "api";
}

function decidedEvent(
  record: VendRequestRecord,
  update: DecisionUpdate,
  via: RequestDecided["via"],
): RequestDecided {
  return {
    requestId: record.requestId,
    accountName: record.request.name,
    decision: update.decision,
    by: update.by,
    reason: update.reason,
    via,
  };
}

/** Why a request that is not waiting for approval cannot be decided, for the 409 and for Slack. */
function notWaiting(record: VendRequestRecord): ConflictError {
  const a = record.approval;
  const decided = a?.decision
    ? ` (${a.decision.toLowerCase()}${a.by ? ` by ${a.by}` : ""}${a.at ? ` at ${a.at}` : ""})`
    : "";
  return new ConflictError(
    "NOT_PENDING_APPROVAL",
    `Request ${record.requestId} is ${record.status}${decided}, not waiting for approval`,
  );
}

/** Keeps a refused attempt on the request (who, when, why), then refuses it with a 403. */
async function refuse(
  ctx: Ctx,
  record: VendRequestRecord,
  by: string,
  code: string,
  why: string,
): Promise<never> {
  const at = ctx.clock().toISOString();
  await ctx.store.addRefusal(record.requestId, { by, at, why });
  ctx.logger.info("Refused an approval decision", { requestId: record.requestId, by, code });
  throw new ForbiddenError(code, why);
}

/** Ends an undecided request whose approval window has passed; false when it was decided first. */
export async function expireRequest(ctx: Ctx, record: VendRequestRecord): Promise<boolean> {
  const update: DecisionUpdate = { status: "EXPIRED", decision: "EXPIRED", at: ctx.clock().toISOString() };
  if (!(await ctx.store.decide(record.requestId, update))) return false;
  ctx.logger.info("Approval expired", { requestId: record.requestId });
  await publishSafely(ctx, REQUEST_DECIDED, decidedEvent(record, update, "expiry"));
  return true;
}

const isExpired = (ctx: Ctx, record: VendRequestRecord) =>
  record.approval !== undefined && Date.parse(record.approval.expiresAt) <= ctx.clock().getTime();

/**
 * Approves or rejects a request waiting for approval, for a person identified by email (from Slack's
 * `users.info`, the caller's SSO session, or local mode's header). The approvers are those of the
 * rule that covers the request's OU now (the rule recorded at submission when none does any more);
 * nobody decides their own request. Of concurrent decisions exactly one wins (a conditional write).
 * An approved request is left PENDING for vending to start (`decideRequest` in vending/decide.ts);
 * the same approver approving again, after an interruption before the start, gets it back to start.
 * A refused attempt is kept on the request; a decision after the request was decided or expired
 * changes nothing.
 */
export async function recordDecision(ctx: Ctx, input: DecisionInput): Promise<VendRequestRecord> {
  const record = await storedRequest(ctx, input.requestId);
  if (record.status === "PENDING_APPROVAL" && isExpired(ctx, record)) {
    await expireRequest(ctx, record);
    throw notWaiting(await storedRequest(ctx, input.requestId));
  }
  if (record.status !== "PENDING_APPROVAL" || !record.approval) {
    // Approved, then interrupted before its workflow started: approving again starts it.
    const approvedNotStarted =
      input.action === "approve" &&
      record.status === "PENDING" &&
      record.approval?.decision === "APPROVED" &&
      !record.executionArn;
    if (approvedNotStarted && sameEmail(record.approval?.by, input.by)) return record;
    throw notWaiting(record);
  }
  const by = input.by?.trim();
  if (!by)
    return refuse(
      ctx,
      record,
      "unknown",
      "UNKNOWN_CALLER",
      "The caller has no known email, so cannot approve",
    );
  if (sameEmail(by, record.requester))
    return refuse(
      ctx,
      record,
      by,
      "OWN_REQUEST",
      `${by} requested ${record.requestId}; nobody decides their own request`,
    );
  const rule =
    (await coveringRule(ctx, { id: record.resolved.ouId, path: record.resolved.ouPath })) ??
    record.approval.rule;
  if (!(await isApprover(ctx, rule.approvers, by)))
    return refuse(
      ctx,
      record,
      by,
      "NOT_AN_APPROVER",
      `${by} is not an approver for ${record.resolved.ouPath} (approvers: ${rule.approvers.join(", ")})`,
    );

  const update: DecisionUpdate = {
    status: input.action === "approve" ? "PENDING" : "REJECTED",
    decision: input.action === "approve" ? "APPROVED" : "REJECTED",
    by,
    reason: input.reason,
    via: input.via,
    at: ctx.clock().toISOString(),
  };
  if (!(await ctx.store.decide(record.requestId, update)))
    throw notWaiting(await storedRequest(ctx, input.requestId));
  ctx.logger.info("Request decided", {
    requestId: record.requestId,
    decision: update.decision,
    by,
    via: input.via,
  });
  await publishSafely(ctx, REQUEST_DECIDED, decidedEvent(record, update, input.via));
  let decided = await storedRequest(ctx, input.requestId);
  if (input.action === "approve" && decided.lease && decided.request.lease?.hours !== undefined) {
    // A lease of N hours counts from the approval, not from the request that waited for it.
    const expiresAt = new Date(Date.parse(update.at) + decided.request.lease.hours * 3_600_000).toISOString();
    await ctx.store.setLease(decided.requestId, { ...decided.lease, expiresAt }, update.at);
    decided = await storedRequest(ctx, input.requestId);
  }
  return decided;
}

/** Expires every undecided request past its window; returns how many. Reads only PENDING_APPROVAL requests. */
export async function expireApprovals(ctx: Ctx): Promise<number> {
  let next: string | undefined;
  let expired = 0;
  do {
    const page = await ctx.store.list({ status: "PENDING_APPROVAL", limit: 100, next });
    for (const record of page.items)
      if (isExpired(ctx, record) && (await expireRequest(ctx, record))) expired++;
    next = page.next;
  } while (next);
  return expired;
}
