import { ListTagsForResourceCommand, TagResourceCommand } from "@aws-sdk/client-organizations";
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
    const current = await ctx.clients.organizations.send(
      new ListTagsForResourceCommand({ ResourceId: accountId }),
    );
    const have = new Map((current.Tags ?? []).map((t) => [t.Key, t.Value]));
    const missing = Object.entries(wanted).filter(([k, v]) => have.get(k) !== v);
    if (missing.length === 0) return { tagged: 0 };
    await ctx.clients.organizations.send(
      new TagResourceCommand({
        ResourceId: accountId,
        Tags: missing.map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    return { tagged: missing.length };
  });
}
