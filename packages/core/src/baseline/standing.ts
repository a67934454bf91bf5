import type { CoreContext } from "../context";
import { type Baseline, BaselineSchema } from "./document";

type Ctx = Pick<CoreContext, "baselines" | "config">;

/** The applied baseline, remembered per store for the directory's TTL: a vend reads it without a table read. */
const remembered = new WeakMap<object, { at: number; baseline: Baseline | undefined }>();

/**
 * The last applied baseline's document, as vending reads it for its OU's standing assignments:
 * cached as the organisation directory is (`directory.ttlSeconds`), so a burst of vends reads it once.
 */
export async function standingAssignments(ctx: Ctx): Promise<Baseline | undefined> {
  const known = remembered.get(ctx.baselines);
  const ttl = ctx.config.directory.ttlSeconds * 1000;
  if (known && Date.now() - known.at < ttl) return known.baseline;
  const current = await ctx.baselines.current();
  const baseline = current ? BaselineSchema.parse(current.baseline) : undefined;
  remembered.set(ctx.baselines, { at: Date.now(), baseline });
  return baseline;
}
