import { type Account, DescribeOrganizationCommand } from "@aws-sdk/client-organizations";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { withRetry } from "../aws/retry";
import type { CoreContext } from "../context";
import { accountsUnderOu, resolveOu } from "../vending/directory";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger">;

export interface SandboxAccount {
  accountId: string;
  name: string;
}

export interface Discovery {
  accounts: SandboxAccount[];
  refused: { accountId: string; name: string; reason: string }[];
  /** Configured OU paths that do not exist. */
  missingOus: string[];
}

/**
 * Every ACTIVE account under the given OU paths, recursively. The management account and the
 * account Quartermaster runs in are refused even if configuration puts them in scope.
 */
export async function discoverSandboxAccounts(ctx: Ctx, ouPaths: string[]): Promise<Discovery> {
  const [organization, identity] = await Promise.all([
    withRetry(
      "organizations:DescribeOrganization",
      () => ctx.clients.organizations.send(new DescribeOrganizationCommand({})),
      ctx.retry,
    ),
    withRetry(
      "sts:GetCallerIdentity",
      () => ctx.clients.sts.send(new GetCallerIdentityCommand({})),
      ctx.retry,
    ),
  ]);
  const forbidden = new Map<string, string>();
  const management = organization.Organization?.MasterAccountId;
  if (management) forbidden.set(management, "the management account is never cleaned");
  if (identity.Account && !forbidden.has(identity.Account))
    forbidden.set(identity.Account, "Quartermaster's own account is never cleaned");

  const seen = new Map<string, Account>();
  const missingOus: string[] = [];
  for (const path of ouPaths) {
    const ou = await resolveOu(ctx, path);
    if (!ou) {
      missingOus.push(path);
      continue;
    }
    for (const account of await accountsUnderOu(ctx, ou.id)) if (account.Id) seen.set(account.Id, account);
  }
  const accounts: SandboxAccount[] = [];
  const refused: Discovery["refused"] = [];
  for (const account of [...seen.values()].sort((a, b) => (a.Id as string).localeCompare(b.Id as string))) {
    const id = account.Id as string;
    const name = account.Name ?? id;
    const state = account.State ?? account.Status;
    if (state !== "ACTIVE") continue;
    const reason = forbidden.get(id);
    if (reason) refused.push({ accountId: id, name, reason });
    else accounts.push({ accountId: id, name });
  }
  if (missingOus.length) ctx.logger.warn("Configured sandbox OUs do not exist", { missingOus });
  return { accounts, refused, missingOus };
}
