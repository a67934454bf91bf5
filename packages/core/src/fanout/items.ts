import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { CoreContext } from "../context";
import { ConfigError } from "../errors";

type Ctx = Pick<CoreContext, "clients" | "resources">;

/**
 * Where a fan-out's items are: a JSON array in the items bucket, read by the Distributed Map's
 * `ItemReader` page by page. The state carries this reference, never the items.
 */
export interface FanoutItems {
  bucket: string;
  key: string;
  count: number;
}

/** Every item list of one fan-out kind lives under `fanout/<kind>/`; the bucket expires them. */
export const FANOUT_PREFIX = "fanout/";

function bucketOf(ctx: Ctx): string {
  const bucket = ctx.resources.itemsBucket;
  if (!bucket)
    throw new ConfigError("No items bucket is configured (QM_ITEMS_BUCKET) for the fan-out engine");
  return bucket;
}

/**
 * Writes a fan-out's items (one object per account, say) as one JSON array, and returns the reference
 * the state machine passes to its Distributed Map. Writing the same id again replaces the list: a
 * retried task writes what it read, and the map reads the last one.
 */
export async function writeFanoutItems(
  ctx: Ctx,
  kind: string,
  id: string,
  items: readonly unknown[],
): Promise<FanoutItems> {
  const { bucket, key } = await writeFanoutJson(ctx, kind, id, items);
  return { bucket, key, count: items.length };
}

/**
 * Writes any JSON value a fan-out's tasks pass each other (what a task read, what a child found) under
 * `fanout/<kind>/<name>.json`; writing it again replaces it.
 */
export async function writeFanoutJson(
  ctx: Ctx,
  kind: string,
  name: string,
  value: unknown,
): Promise<{ bucket: string; key: string }> {
  const bucket = bucketOf(ctx);
  const key = `${FANOUT_PREFIX}${kind}/${name}.json`;
  await ctx.clients.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(value),
      ContentType: "application/json",
    }),
  );
  return { bucket, key };
}

/** Reads back what `writeFanoutJson` wrote. */
export async function readFanoutJson(ctx: Ctx, kind: string, name: string): Promise<unknown> {
  const out = await ctx.clients.s3.send(
    new GetObjectCommand({ Bucket: bucketOf(ctx), Key: `${FANOUT_PREFIX}${kind}/${name}.json` }),
  );
  return JSON.parse(out.Body ? await out.Body.transformToString("utf8") : "null");
}

/** Reads a fan-out's items back (the task that ends a fan-out checks that every item was reported). */
export async function readFanoutItems(ctx: Pick<Ctx, "clients">, ref: FanoutItems): Promise<unknown[]> {
  const out = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  const text = out.Body ? await out.Body.transformToString("utf8") : "[]";
  const items: unknown = JSON.parse(text);
  if (!Array.isArray(items)) throw new Error(`The fan-out items at ${ref.key} are not a JSON array`);
  return items;
}
