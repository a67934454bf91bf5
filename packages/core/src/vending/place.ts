import { ListParentsCommand, MoveAccountCommand } from "@aws-sdk/client-organizations";
import { isAwsError } from "../aws/classify";
import type { CoreContext } from "../context";
import { accountIdOf, type VendState } from "./state";
import { tracked } from "./track-step";

type Ctx = Pick<CoreContext, "clients" | "retry" | "store" | "clock" | "logger">;

/** Stage `place`: moves the account into its OU; a no-op when it is already there. */
export async function placeAccount(ctx: Ctx, state: VendState): Promise<{ moved: boolean; ouId: string }> {
  const accountId = accountIdOf(state);
  const target = state.resolved.ouId;
  return tracked(ctx, state.requestId, "place", async () => {
    const parents = await ctx.clients.organizations.send(new ListParentsCommand({ ChildId: accountId }));
    const source = parents.Parents?.[0]?.Id;
    if (!source) throw new Error(`Account ${accountId} has no parent in the organisation`);
    if (source === target) return { moved: false, ouId: target };
    try {
      await ctx.clients.organizations.send(
        new MoveAccountCommand({
          AccountId: accountId,
          SourceParentId: source,
          DestinationParentId: target,
        }),
      );
    } catch (error) {
      // A concurrent or earlier attempt already moved it: the goal is reached.
      if (isAwsError(error, "DuplicateAccountException")) return { moved: false, ouId: target };
      throw error;
    }
    ctx.logger.info("Moved account", { accountId, ouId: target });
    return { moved: true, ouId: target };
  });
}
