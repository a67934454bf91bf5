import { ListParentsCommand, MoveAccountCommand } from "@aws-sdk/client-organizations";
import { awsErrorName } from "../aws/classify";
import { withRetry } from "../aws/retry";
import type { CoreContext } from "../context";
import { accountIdOf, type VendState } from "./state";
import { tracked } from "./track-step";

type Ctx = Pick<CoreContext, "clients" | "retry" | "store" | "clock" | "logger">;

/** Step `place`: moves the account into its OU; a no-op when it is already there. */
export async function placeAccount(ctx: Ctx, state: VendState): Promise<{ moved: boolean; ouId: string }> {
  const accountId = accountIdOf(state);
  const target = state.resolved.ouId;
  return tracked(ctx, state.requestId, "place", async () => {
    const parents = await withRetry(
      "organizations:ListParents",
      () => ctx.clients.organizations.send(new ListParentsCommand({ ChildId: accountId })),
      ctx.retry,
    );
    const source = parents.Parents?.[0]?.Id;
    if (!source) throw new Error(`Account ${accountId} has no parent in the organisation`);
    if (source === target) return { moved: false, ouId: target };
    try {
      await withRetry(
        "organizations:MoveAccount",
        () =>
          ctx.clients.organizations.send(
            new MoveAccountCommand({
              AccountId: accountId,
              SourceParentId: source,
              DestinationParentId: target,
            }),
          ),
        ctx.retry,
      );
    } catch (error) {
      // A concurrent or earlier attempt already moved it: the goal is reached.
      if (awsErrorName((error as Error).cause) === "DuplicateAccountException")
        return { moved: false, ouId: target };
      throw error;
    }
    ctx.logger.info("Moved account", { accountId, ouId: target });
    return { moved: true, ouId: target };
  });
}
