import { GetUserIdCommand, ListGroupMembershipsForMemberCommand } from "@aws-sdk/client-identitystore";
import { isAwsError } from "../aws/classify";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import type { IdentityCenter } from "./directory";

type Ctx = Pick<CoreContext, "clients">;

/** An Identity Center user's id by a unique attribute (email or user name); undefined when none has it. */
export async function userIdBy(
  ctx: Ctx,
  ic: IdentityCenter,
  path: "emails.value" | "userName",
  value: string,
): Promise<string | undefined> {
  try {
    const out = await ctx.clients.identityStore.send(
      new GetUserIdCommand({
        IdentityStoreId: ic.identityStoreId,
        AlternateIdentifier: { UniqueAttribute: { AttributePath: path, AttributeValue: value } },
      }),
    );
    return out.UserId;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    throw error;
  }
}

/** The ids of every group a user is a member of (ListGroupMembershipsForMember, paged). */
export async function groupIdsOfUser(ctx: Ctx, ic: IdentityCenter, userId: string): Promise<Set<string>> {
  const all = await pagedList(
    (token) =>
      ctx.clients.identityStore.send(
        new ListGroupMembershipsForMemberCommand({
          IdentityStoreId: ic.identityStoreId,
          MemberId: { UserId: userId },
          NextToken: token,
        }),
      ),
    (out) => out.GroupMemberships,
  );
  return new Set(all.flatMap((m) => (m.GroupId ? [m.GroupId] : [])));
}
