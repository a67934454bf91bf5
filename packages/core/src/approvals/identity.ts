import { DescribeUserCommand, IsMemberInGroupsCommand } from "@aws-sdk/client-identitystore";
import { isAwsError, isModelledAwsError } from "../aws/classify";
import type { CoreContext } from "../context";
import { directoryCache } from "../org/cache";
import { findGroupId, type IdentityCenter, identityCenter } from "../org/directory";
import { groupIdsOfUser, userIdBy } from "../org/users";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger">;

const GROUP_PREFIX = "group:";

/** Emails compare case-insensitively everywhere in approvals. */
export const sameEmail = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

/** Identity Store clients that answered IsMemberInGroups with something other than an AWS error. */
const withoutIsMemberInGroups = new WeakSet<object>();

/**
 * Which of `groupIds` the user is a member of: IsMemberInGroups, one call for all of them. Where that
 * call is not offered (the endpoint answers it with something that is not an AWS error: emulators,
 * some partitions), the user's memberships are read instead, and the call is not tried again.
 */
async function memberships(ctx: Ctx, ic: IdentityCenter, userId: string, groupIds: string[]) {
  if (!withoutIsMemberInGroups.has(ctx.clients.identityStore)) {
    try {
      const out = await ctx.clients.identityStore.send(
        new IsMemberInGroupsCommand({
          IdentityStoreId: ic.identityStoreId,
          MemberId: { UserId: userId },
          GroupIds: groupIds,
        }),
      );
      return new Set((out.Results ?? []).filter((r) => r.MembershipExists).map((r) => r.GroupId as string));
    } catch (error) {
      const unavailable = !isModelledAwsError(error) || isAwsError(error, "UnknownOperationException");
      if (!unavailable) throw error;
      withoutIsMemberInGroups.add(ctx.clients.identityStore);
      ctx.logger.info("IsMemberInGroups is not offered here; reading the user's group memberships instead", {
        error: error instanceof Error ? error.name : String(error),
      });
    }
  }
  const all = await groupIdsOfUser(ctx, ic, userId);
  return new Set(groupIds.filter((id) => all.has(id)));
}

/**
 * Whether this person (by email) is one of the approvers: listed by email, or a member of a listed
 * Identity Center group (GetUserId by email, then membership of the groups). Lookups go by key.
 */
export async function isApprover(ctx: Ctx, approvers: readonly string[], email: string): Promise<boolean> {
  if (approvers.some((a) => !a.startsWith(GROUP_PREFIX) && sameEmail(a, email))) return true;
  const groups = approvers.filter((a) => a.startsWith(GROUP_PREFIX)).map((a) => a.slice(GROUP_PREFIX.length));
  if (groups.length === 0) return false;
  const ic = await identityCenter(ctx);
  const userId = await userIdBy(ctx, ic, "emails.value", email.trim());
  if (!userId) return false;
  const groupIds = (await Promise.all(groups.map((g) => findGroupId(ctx, ic, g)))).filter(
    (id): id is string => id !== undefined,
  );
  if (groupIds.length === 0) return false;
  return (await memberships(ctx, ic, userId, groupIds)).size > 0;
}

/** The session name of an IAM Identity Center role session (`assumed-role/AWSReservedSSO_<set>_<id>/<user>`). */
export function ssoSessionName(callerArn: string | undefined): string | undefined {
  const match = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/AWSReservedSSO_[^/]+\/(.+)$/.exec(callerArn ?? "");
  return match?.[1];
}

/**
 * The email of the Identity Center user behind an API caller's SSO session: the session name is the
 * user's user name, looked up in the Identity Store; their primary email (else the first). Undefined
 * for a caller that is not an SSO session, or a user without an email.
 */
export async function emailOfCaller(ctx: Ctx, callerArn: string | undefined): Promise<string | undefined> {
  const userName = ssoSessionName(callerArn);
  if (!userName) return undefined;
  // Every API request asks who its caller is: remembered for the directory's TTL, like the other names.
  return directoryCache(ctx).callerEmails.get(userName, async () => {
    const ic = await identityCenter(ctx);
    const userId = await userIdBy(ctx, ic, "userName", userName);
    if (!userId) return undefined;
    const out = await ctx.clients.identityStore.send(
      new DescribeUserCommand({ IdentityStoreId: ic.identityStoreId, UserId: userId }),
    );
    const emails = out.Emails ?? [];
    return (emails.find((e) => e.Primary) ?? emails[0])?.Value;
  });
}
