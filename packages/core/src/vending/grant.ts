import { CreateAccountAssignmentCommand, ListAccountAssignmentsCommand } from "@aws-sdk/client-sso-admin";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import { AssignmentFailedError } from "../errors";
import { accountIdOf, createdByThisRequest, type GrantResult, type VendState } from "./state";
import { stepStarted } from "./track-step";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "store" | "clock" | "logger">;

/** Identity Center allows 10 outstanding assignment requests per instance; stay within it. */
export const MAX_OUTSTANDING_ASSIGNMENTS = 10;

/** The groups holding a permission set on an account (ListAccountAssignments, paged). */
export async function existingGroupIds(
  ctx: Pick<Ctx, "clients">,
  instanceArn: string,
  accountId: string,
  permissionSetArn: string,
) {
  const assignments = await pagedList(
    (token) =>
      ctx.clients.ssoAdmin.send(
        new ListAccountAssignmentsCommand({
          InstanceArn: instanceArn,
          AccountId: accountId,
          PermissionSetArn: permissionSetArn,
          NextToken: token,
        }),
      ),
    (out) => out.AccountAssignments,
  );
  return new Set(assignments.filter((a) => a.PrincipalType === "GROUP").map((a) => a.PrincipalId));
}

/**
 * Stage `grant`: creates the missing group x permission-set assignments, at most
 * MAX_OUTSTANDING_ASSIGNMENTS at a time; existing ones are skipped.
 */
export async function grantAccess(ctx: Ctx, state: VendState): Promise<GrantResult> {
  const accountId = accountIdOf(state);
  const { instanceArn, access } = state.resolved;
  const startedAt = state.grant?.startedAt ?? ctx.clock().toISOString();
  // The first batch for an account this request created, on the step's first run, finds nothing
  // assigned: the listing is skipped. A rerun (the step was written before) and later batches list.
  let firstRun = false;
  if (!state.grant)
    firstRun = (await stepStarted(ctx, state.requestId, "grant", startedAt)).before === undefined;
  const nothingAssigned = firstRun && createdByThisRequest(state);
  const out = await assignMissing(ctx, { instanceArn, accountId, access, nothingAssigned });
  return { ...out, startedAt };
}

/**
 * Creates the group x permission-set assignments of `access` the account lacks (ListAccountAssignments
 * per permission set, unless `nothingAssigned`), at most MAX_OUTSTANDING_ASSIGNMENTS at a time: `more`
 * says some remain once `pending` completes. Drift's repair grants an account again with it.
 */
export async function assignMissing(
  ctx: Pick<Ctx, "clients">,
  options: {
    instanceArn: string;
    accountId: string;
    access: { groupId: string; permissionSets: { arn: string }[] }[];
    nothingAssigned?: boolean;
  },
): Promise<Omit<GrantResult, "startedAt">> {
  const { instanceArn, accountId, access, nothingAssigned } = options;
  const pending: string[] = [];
  let created = 0;
  let skipped = 0;
  const bySet = new Map<string, string[]>();
  for (const grant of access) {
    for (const ps of grant.permissionSets) bySet.set(ps.arn, [...(bySet.get(ps.arn) ?? []), grant.groupId]);
  }
  for (const [permissionSetArn, groupIds] of bySet) {
    const existing = nothingAssigned
      ? new Set<string>()
      : await existingGroupIds(ctx, instanceArn, accountId, permissionSetArn);
    for (const groupId of new Set(groupIds)) {
      if (existing.has(groupId)) {
        skipped++;
        continue;
      }
      if (pending.length >= MAX_OUTSTANDING_ASSIGNMENTS) return { pending, more: true, created, skipped };
      const out = await ctx.clients.ssoAdmin.send(
        new CreateAccountAssignmentCommand({
          InstanceArn: instanceArn,
          TargetId: accountId,
          TargetType: "AWS_ACCOUNT",
          PermissionSetArn: permissionSetArn,
          PrincipalType: "GROUP",
          PrincipalId: groupId,
        }),
      );
      const status = out.AccountAssignmentCreationStatus;
      if (status?.Status === "FAILED") {
        throw new AssignmentFailedError(
          `Assignment of ${permissionSetArn} to group ${groupId} failed: ${status.FailureReason}`,
        );
      }
      if (status?.RequestId && status.Status !== "SUCCEEDED") pending.push(status.RequestId);
      created++;
    }
  }
  return { pending, more: false, created, skipped };
}
