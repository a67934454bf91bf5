import type { CoreContext } from "../context";
import { resolveOu } from "./directory";

type Ctx = Pick<CoreContext, "clients" | "retry" | "logger">;

/** True when `path` is `base` or an OU below it (`Workloads/Production/Payments` is below `Workloads/Production`). */
export function isAtOrBelow(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
}

/**
 * The first of `refs` (OU paths or ids, as configuration names them) that is the OU or above it, if
 * any. An id is resolved to its path through the directory, so a reference by id covers the OUs below
 * it too; a reference to an OU that does not exist covers nothing (and is logged).
 */
export async function coveringRef(
  ctx: Ctx,
  ou: { id: string; path: string },
  refs: readonly string[],
): Promise<string | undefined> {
  for (const ref of refs) {
    if (ref === ou.id) return ref;
    const base = ref.startsWith("ou-") ? (await resolveOu(ctx, ref))?.path : ref;
    if (base === undefined) {
      ctx.logger.warn("Configuration names an OU that does not exist", { ou: ref });
      continue;
    }
    if (isAtOrBelow(ou.path, base)) return ref;
  }
  return undefined;
}
