import { ListTagsForResourceCommand, TagResourceCommand } from "@aws-sdk/client-organizations";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import { REQUEST_TAG } from "./create";
import { accountIdOf, createdByThisRequest, type VendState } from "./state";
import { tracked } from "./track-step";

type Ctx = Pick<CoreContext, "clients" | "retry" | "store" | "clock">;

/**
 * Stage `tag`: applies the request's tags and the request-id tag; only missing or changed tags are
 * written. An account this request created got them with CreateAccount (which fails rather than
 * create an account without them), so there is nothing to read or write.
 */
export async function tagAccount(ctx: Ctx, state: VendState): Promise<{ tagged: number }> {
  const accountId = accountIdOf(state);
  return tracked(ctx, state.requestId, "tag", async () => {
    if (createdByThisRequest(state)) return { tagged: 0 };
    const wanted: Record<string, string> = { ...(state.request.tags ?? {}), [REQUEST_TAG]: state.requestId };
    return { tagged: await convergeTags(ctx, accountId, wanted) };
  });
}

/**
 * Writes the tags of `wanted` the account lacks or holds with another value (ListTagsForResource,
 * paged, then one TagResource); other tags are left alone. Returns how many were written. Drift's
 * repair tags an account again with it.
 */
export async function convergeTags(
  ctx: Pick<Ctx, "clients">,
  accountId: string,
  wanted: Record<string, string>,
): Promise<number> {
  const current = await pagedList(
    (token) =>
      ctx.clients.organizations.send(
        new ListTagsForResourceCommand({ ResourceId: accountId, NextToken: token }),
      ),
    (out) => out.Tags,
  );
  const have = new Map(current.map((t) => [t.Key, t.Value]));
  const missing = Object.entries(wanted).filter(([k, v]) => have.get(k) !== v);
  if (missing.length === 0) return 0;
  await ctx.clients.organizations.send(
    new TagResourceCommand({ ResourceId: accountId, Tags: missing.map(([Key, Value]) => ({ Key, Value })) }),
  );
  return missing.length;
}
