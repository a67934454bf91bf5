import type { ApprovalRule } from "../config/config";
import type { CoreContext } from "../context";
import { resolveOu } from "../org/directory";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger">;

/** True when `path` is `base` or an OU below it (`Workloads/Production/Payments` is below `Workloads/Production`). */
export function isAtOrBelow(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
}

/**
 * The first configured approval rule that covers an OU (given by its resolved id and path), if any.
 * A rule names OUs by path or by id; an id is resolved to its path (through the directory), so a
 * rule by id covers the OUs below it too. A rule naming an OU that does not exist covers nothing.
 */
export async function coveringRule(
  ctx: Ctx,
  ou: { id: string; path: string },
): Promise<ApprovalRule | undefined> {
  for (const rule of ctx.config.approvals.rules) {
    for (const ref of rule.ous) {
      if (ref === ou.id) return rule;
      const base = ref.startsWith("ou-") ? (await resolveOu(ctx, ref))?.path : ref;
      if (base === undefined) {
        ctx.logger.warn("An approval rule names an OU that does not exist", { ou: ref });
        continue;
      }
      if (isAtOrBelow(ou.path, base)) return rule;
    }
  }
  return undefined;
}
