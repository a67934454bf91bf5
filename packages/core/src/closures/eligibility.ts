import {
  DescribeAccountCommand,
  type DescribeAccountCommandOutput,
  ListParentsCommand,
} from "@aws-sdk/client-organizations";
import { isAwsError } from "../aws/classify";
import { closableOus } from "../config/config";
import type { CoreContext } from "../context";
import { accountState, ouPathOf, untouchableAccounts } from "../org/directory";
import { coveringRef } from "../org/scope";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger">;

export interface ClosableAccount {
  accountId: string;
  name: string;
  state: string;
  /** The account's OU: its id and path (`ROOT` for an account directly under the root). */
  ou: { id: string; path: string };
}

/** Why an account may not be closed: `forbidden` (403), `not-active` (409), `not-found` (404). */
export type Refusal = { kind: "forbidden" | "not-active" | "not-found"; message: string };

/**
 * Reads an account and decides whether Quartermaster may close it. Allow-listed: only an ACTIVE
 * account under the closable OUs (`closableOuPaths`, default the sandbox OUs), and never the
 * management account or the account Quartermaster runs in, whatever configuration says.
 */
export async function closeEligibility(
  ctx: Ctx,
  accountId: string,
): Promise<{ account?: ClosableAccount; refusal?: Refusal }> {
  let described: DescribeAccountCommandOutput;
  try {
    described = await ctx.clients.organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
  } catch (error) {
    if (isAwsError(error, "AccountNotFoundException"))
      return { refusal: { kind: "not-found", message: `Account ${accountId} is not in the organisation` } };
    throw error;
  }
  const [{ management, home }, parents] = await Promise.all([
    untouchableAccounts(ctx),
    ctx.clients.organizations.send(new ListParentsCommand({ ChildId: accountId })),
  ]);
  const parent = parents.Parents?.[0];
  const ou =
    parent?.Id && parent.Type === "ORGANIZATIONAL_UNIT"
      ? { id: parent.Id, path: await ouPathOf(ctx, parent.Id) }
      : { id: parent?.Id ?? "ROOT", path: "ROOT" };
  const account: ClosableAccount = {
    accountId,
    name: described.Account?.Name ?? accountId,
    state: accountState(described.Account ?? {}),
    ou,
  };
  const forbidden = (message: string) => ({ account, refusal: { kind: "forbidden" as const, message } });
  if (accountId === management)
    return forbidden(`Account ${accountId} is the management account; it is never closed`);
  if (accountId === home)
    return forbidden(`Account ${accountId} is the account Quartermaster runs in; it is never closed`);
  const closable = closableOus(ctx.config);
  if (ou.path === "ROOT" || !(await coveringRef(ctx, ou, closable)))
    return forbidden(
      `Account ${accountId} is in ${ou.path}, outside the closable OUs (${closable.join(", ")}); it is not closed`,
    );
  if (account.state !== "ACTIVE")
    return {
      account,
      refusal: { kind: "not-active", message: `Account ${accountId} is ${account.state}, not ACTIVE` },
    };
  return { account };
}
