import { type DecisionInput, recordDecision } from "../approvals/decide";
import type { CoreContext } from "../context";
import type { VendRequestRecord } from "../store/requests/record";
import { startExecution } from "./submit";

type Ctx = Pick<
  CoreContext,
  "clients" | "config" | "retry" | "store" | "clock" | "logger" | "workflows" | "events" | "metrics"
>;

/**
 * `POST /accounts/requests/{id}/approve|reject` and Slack's buttons: records the decision (approvals'
 * `recordDecision`: who may decide, the audit trail, expiry, the lease counted from the approval),
 * then starts the workflow of an approved request that has none yet, so approving again after an
 * interruption between the two starts it.
 */
export async function decideRequest(ctx: Ctx, input: DecisionInput): Promise<VendRequestRecord> {
  const record = await recordDecision(ctx, input);
  const approvedNotStarted =
    input.action === "approve" &&
    record.status === "PENDING" &&
    record.approval?.decision === "APPROVED" &&
    !record.executionArn;
  return approvedNotStarted ? startExecution(ctx, record, "start") : record;
}
