import { DescribeAccountAssignmentCreationStatusCommand } from "@aws-sdk/client-sso-admin";
import type { CoreContext } from "../context";
import { AssignmentFailedError, DeadlineExceededError } from "../errors";
import { halfElapsedWaitSeconds, pastDeadline } from "./poll";
import type { GrantProgress, VendState } from "./state";
import { stepSucceeded } from "./track-step";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "store" | "clock" | "logger">;

/**
 * The assignment creations of `requestIds` still in progress (DescribeAccountAssignmentCreationStatus,
 * one each); a FAILED one raises AssignmentFailedError with AWS's reason. Drift's repair awaits its
 * assignments with it too.
 */
export async function assignmentsInProgress(
  ctx: Pick<Ctx, "clients">,
  instanceArn: string,
  requestIds: string[],
): Promise<string[]> {
  const remaining: string[] = [];
  for (const requestId of requestIds) {
    const out = await ctx.clients.ssoAdmin.send(
      new DescribeAccountAssignmentCreationStatusCommand({
        InstanceArn: instanceArn,
        AccountAssignmentCreationRequestId: requestId,
      }),
    );
    const status = out.AccountAssignmentCreationStatus;
    if (status?.Status === "FAILED") {
      throw new AssignmentFailedError(
        `Assignment of ${status.PermissionSetArn} to ${status.PrincipalType} ${status.PrincipalId} failed: ${status.FailureReason ?? "no reason given"}`,
      );
    }
    if (status?.Status !== "SUCCEEDED") remaining.push(requestId);
  }
  return remaining;
}

/** Stage `awaitGrants`: checks every pending assignment; FAILED raises with its reason. */
export async function awaitGrants(ctx: Ctx, state: VendState): Promise<GrantProgress> {
  const now = ctx.clock();
  const previous = state.awaitGrants;
  const continuing = previous !== undefined && !previous.done;
  const attempt = continuing ? previous.attempt + 1 : 0;
  const since = continuing ? previous.since : now.toISOString();
  const pending = (continuing ? previous.remaining : undefined) ?? state.grant?.pending ?? [];
  const more = state.grant?.more ?? false;
  const remaining = await assignmentsInProgress(ctx, state.resolved.instanceArn, pending);
  if (remaining.length === 0) {
    if (!more) await stepSucceeded(ctx, state.requestId, "grant", state.grant?.startedAt ?? since);
    return { done: true, more, attempt, since, waitSeconds: 0 };
  }
  if (pastDeadline(since, ctx.config.creation.deadlineMinutes, now)) {
    throw new DeadlineExceededError(`${remaining.length} account assignment(s) did not finish in time`);
  }
  return {
    done: false,
    more,
    attempt,
    since,
    waitSeconds: halfElapsedWaitSeconds(
      now.getTime() - Date.parse(since),
      ctx.config.creation.pollMaxSeconds,
      ctx.retry.random,
    ),
    remaining,
  };
}
