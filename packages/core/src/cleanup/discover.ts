import * as z from "zod";
import type { CoreContext } from "../context";
import { accountState, allAccountsUnder, untouchableAccounts } from "../org/directory";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger">;

export interface SandboxAccount {
  accountId: string;
  name: string;
}

/** A run's accounts as written to the items bucket, parsed when read back. */
export const SandboxAccountListSchema = z.array(
  z.object({ accountId: z.string(), name: z.string() }),
) satisfies z.ZodType<SandboxAccount[]>;

export interface Discovery {
  accounts: SandboxAccount[];
  refused: { accountId: string; name: string; reason: string }[];
  /** Configured OU paths that do not exist. */
  missingOus: string[];
}

/**
 * Every ACTIVE account under the given OU paths, recursively. The management account, the
 * account Quartermaster runs in (even if configuration puts them in scope) and accounts that
 * are not ACTIVE (SUSPENDED, PENDING_CLOSURE) are refused, with the reason.
 */
export async function discoverSandboxAccounts(ctx: Ctx, ouPaths: string[]): Promise<Discovery> {
  const { management, home } = await untouchableAccounts(ctx);
  const forbidden = new Map<string, string>([[management, "the management account is never cleaned"]]);
  if (home && !forbidden.has(home)) forbidden.set(home, "Quartermaster's own account is never cleaned");

  const { accounts: all, missing: missingOus } = await allAccountsUnder(ctx, ouPaths);
  const accounts: SandboxAccount[] = [];
  const refused: Discovery["refused"] = [];
  // Every account under the sandbox OUs is in the report: cleaned, or refused with its reason.
  for (const account of all) {
    const id = account.Id as string;
    const name = account.Name ?? id;
    const state = accountState(account);
    const reason =
      forbidden.get(id) ?? (state === "ACTIVE" ? undefined : `the account is ${state}, not ACTIVE`);
    if (reason) refused.push({ accountId: id, name, reason });
    else accounts.push({ accountId: id, name });
  }
  if (missingOus.length) ctx.logger.warn("Configured sandbox OUs do not exist", { missingOus });
  return { accounts, refused, missingOus };
}
