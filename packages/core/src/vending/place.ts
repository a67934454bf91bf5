import { ListParentsCommand, MoveAccountCommand } from "@aws-sdk/client-organizations";
import { isAwsError } from "../aws/classify";
import type { CoreContext } from "../context";
import { rootId } from "../org/directory";
import { accountIdOf, createdByThisRequest, type VendState } from "./state";
import { tracked } from "./track-step";

type Ctx = Pick<CoreContext, "clients" | "retry" | "store" | "clock" | "logger">;

/**
 * Moves an account from `source` into `target`; false when it is there already (or a concurrent or
 * earlier attempt moved it: AWS says DuplicateAccountException, and the goal is reached). Drift's
 * repair moves an account back with it.
 */
export async function moveAccount(
  ctx: Pick<Ctx, "clients">,
  accountId: string,
  source: string,
  target: string,
): Promise<boolean> {
  if (source === target) return false;
  try {
    await ctx.clients.organizations.send(
      new MoveAccountCommand({ AccountId: accountId, SourceParentId: source, DestinationParentId: target }),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, "DuplicateAccountException")) return false;
    throw error;
  }
}

/**
 * Stage `place`: moves the account into its OU; a no-op when it is already there. An account this
 * request created starts in the root (AWS creates every account there), so it is moved from the
 * root without asking where it is; if it is not there after all (a rerun after the move, or a move
 * by hand), AWS says SourceParentNotFound and its parent is looked up. An adopted account's parent
 * is always looked up.
 */
export async function placeAccount(ctx: Ctx, state: VendState): Promise<{ moved: boolean; ouId: string }> {
  const accountId = accountIdOf(state);
  const target = state.resolved.ouId;
  const created = createdByThisRequest(state);
  return tracked(ctx, state.requestId, "place", async () => {
    const parentNow = async () => {
      const parents = await ctx.clients.organizations.send(new ListParentsCommand({ ChildId: accountId }));
      const id = parents.Parents?.[0]?.Id;
      if (!id) throw new Error(`Account ${accountId} has no parent in the organisation`);
      return id;
    };
    const move = (source: string) => moveAccount(ctx, accountId, source, target);
    let moved: boolean;
    try {
      moved = await move(created ? await rootId(ctx) : await parentNow());
    } catch (error) {
      // Not in the root after all: where it is decides (already in place, or moved from there).
      const notThere =
        isAwsError(error, "SourceParentNotFoundException") || isAwsError(error, "AccountNotFoundException");
      if (!created || !notThere) throw error;
      moved = await move(await parentNow());
    }
    if (moved) ctx.logger.info("Moved account", { accountId, ouId: target });
    return { moved, ouId: target };
  });
}
