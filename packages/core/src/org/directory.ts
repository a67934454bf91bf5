import { GetGroupIdCommand } from "@aws-sdk/client-identitystore";
import {
  type Account,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
} from "@aws-sdk/client-organizations";
import {
  DescribePermissionSetCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
} from "@aws-sdk/client-sso-admin";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { isAwsError } from "../aws/classify";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import { TerminalAwsError } from "../errors";
import { directoryCache } from "./cache";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry">;
type AwsCtx = Pick<CoreContext, "clients" | "retry">;

const OU_ID = /^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;

export interface ResolvedOu {
  id: string;
  path: string;
}

export interface IdentityCenter {
  instanceArn: string;
  identityStoreId: string;
}

/** The organisation's root id. */
export async function rootId(ctx: AwsCtx): Promise<string> {
  return directoryCache(ctx).roots.get("root", async () => {
    const out = await ctx.clients.organizations.send(new ListRootsCommand({}));
    const id = out.Roots?.[0]?.Id;
    if (!id)
      throw new TerminalAwsError(
        "NO_ORGANIZATION",
        "The organisation has no root: is AWS Organizations enabled?",
      );
    return id;
  });
}

/** Child OUs of a parent, every page read. */
export async function childOus(ctx: AwsCtx, parentId: string) {
  return pagedList(
    (token) =>
      ctx.clients.organizations.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, NextToken: token }),
      ),
    (out) => out.OrganizationalUnits,
  );
}

/** The path from the root (`Workloads/Development`) of an OU id, read upwards with ListParents. */
export async function ouPathOf(ctx: AwsCtx, ouId: string): Promise<string> {
  const names: string[] = [];
  let current = ouId;
  // Organizations nests OUs at most five levels deep; the bound guards against a malformed answer.
  for (let depth = 0; depth < 6; depth++) {
    const ou = await ctx.clients.organizations.send(
      new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: current }),
    );
    names.unshift(ou.OrganizationalUnit?.Name ?? current);
    const parents = await ctx.clients.organizations.send(new ListParentsCommand({ ChildId: current }));
    const parent = parents.Parents?.[0];
    if (!parent?.Id || parent.Type === "ROOT") break;
    current = parent.Id;
  }
  return names.join("/");
}

/** Resolves an OU path (`Workloads/Development`) or id; undefined when it does not exist. */
export async function resolveOu(ctx: AwsCtx, ref: string): Promise<ResolvedOu | undefined> {
  if (OU_ID.test(ref)) {
    try {
      return { id: ref, path: await ouPathOf(ctx, ref) };
    } catch (error) {
      if (isAwsError(error, "OrganizationalUnitNotFoundException")) return undefined;
      throw error;
    }
  }
  let parent = await rootId(ctx);
  const cache = directoryCache(ctx).childOus;
  for (const segment of ref.split("/")) {
    const from = parent;
    const named = async (fresh: boolean) =>
      (await cache.get(from, () => childOus(ctx, from), { fresh })).find((ou) => ou.Name === segment);
    // A name the cache does not know is looked up afresh once: a new OU is seen at once.
    const match = (await named(false)) ?? (await named(true));
    if (!match?.Id) return undefined;
    parent = match.Id;
  }
  return { id: parent, path: ref };
}

/** Every account under an OU, recursively through nested OUs, every page read. */
export async function accountsUnderOu(ctx: AwsCtx, parentId: string): Promise<Account[]> {
  const direct = await pagedList(
    (token) =>
      ctx.clients.organizations.send(
        new ListAccountsForParentCommand({ ParentId: parentId, NextToken: token }),
      ),
    (out) => out.Accounts,
  );
  const nested = await Promise.all(
    (await childOus(ctx, parentId)).map((ou) => accountsUnderOu(ctx, ou.Id as string)),
  );
  return [...direct, ...nested.flat()];
}

/**
 * The ACTIVE accounts under the given OU paths or ids, nested OUs included, each once and
 * sorted by id; `missing` lists the paths that do not exist.
 */
export async function activeAccountsUnder(
  ctx: AwsCtx,
  ouRefs: string[],
): Promise<{ accounts: Account[]; missing: string[] }> {
  const { accounts, missing } = await allAccountsUnder(ctx, ouRefs);
  return { accounts: accounts.filter((a) => accountState(a) === "ACTIVE"), missing };
}

/** An account's state: `State` where AWS reports it, else the older `Status`. */
export function accountState(account: Account): string {
  return account.State ?? account.Status ?? "UNKNOWN";
}

/** Every account under the given OU paths, recursively, whatever its state; sorted by id. */
export async function allAccountsUnder(
  ctx: AwsCtx,
  ouRefs: string[],
): Promise<{ accounts: Account[]; missing: string[] }> {
  const seen = new Map<string, Account>();
  const missing: string[] = [];
  for (const ref of ouRefs) {
    const ou = await resolveOu(ctx, ref);
    if (!ou) {
      missing.push(ref);
      continue;
    }
    for (const account of await accountsUnderOu(ctx, ou.id)) if (account.Id) seen.set(account.Id, account);
  }
  const accounts = [...seen.values()].sort((a, b) => (a.Id as string).localeCompare(b.Id as string));
  return { accounts, missing };
}

/** The management (payer) account of the organisation. */
export async function managementAccountId(ctx: AwsCtx): Promise<string> {
  // An organisation's management account does not change.
  return directoryCache(ctx).roots.get("management", async () => {
    const out = await ctx.clients.organizations.send(new DescribeOrganizationCommand({}));
    const id = out.Organization?.MasterAccountId;
    if (!id)
      throw new TerminalAwsError("NO_ORGANIZATION", "DescribeOrganization returned no management account");
    return id;
  });
}

/**
 * The accounts Quartermaster never cleans or closes, whatever configuration says: the management account
 * and the account it runs in (the caller's). Neither changes, so each is asked once per process.
 */
export async function untouchableAccounts(ctx: AwsCtx): Promise<{ management: string; home?: string }> {
  const [management, home] = await Promise.all([
    managementAccountId(ctx),
    directoryCache(ctx).roots.get("home", async () => {
      const out = await ctx.clients.sts.send(new GetCallerIdentityCommand({}));
      return out.Account ?? "";
    }),
  ]);
  return { management, ...(home ? { home } : {}) };
}

/** Every account in the organisation, every page read. */
export async function listAccounts(ctx: AwsCtx): Promise<Account[]> {
  return pagedList(
    (token) => ctx.clients.organizations.send(new ListAccountsCommand({ NextToken: token })),
    (out) => out.Accounts,
  );
}

/**
 * The account in the organisation that uses this email, if any (emails compare case-insensitively).
 * It lists every account, read fresh: only for the rare adoption after EMAIL_ALREADY_EXISTS, in a
 * workflow task, never on the request path (DESIGN rule 12).
 */
export async function findAccountByEmail(ctx: AwsCtx, email: string): Promise<Account | undefined> {
  const wanted = email.toLowerCase();
  return (await listAccounts(ctx)).find((a) => a.Email?.toLowerCase() === wanted);
}

/** The Identity Center instance: from configuration, else the first from ListInstances. */
export async function identityCenter(ctx: Ctx): Promise<IdentityCenter> {
  const configured = ctx.config.identityCenter;
  if (configured.instanceArn && configured.identityStoreId) {
    return { instanceArn: configured.instanceArn, identityStoreId: configured.identityStoreId };
  }
  // An organisation's Identity Center instance does not change: look it up once per process (per client).
  const known = discoveredInstances.get(ctx.clients.ssoAdmin);
  if (known) return known;
  const found = await discoverIdentityCenter(ctx);
  discoveredInstances.set(ctx.clients.ssoAdmin, found);
  return found;
}

const discoveredInstances = new WeakMap<object, IdentityCenter>();

async function discoverIdentityCenter(ctx: Ctx): Promise<IdentityCenter> {
  const configured = ctx.config.identityCenter;
  const out = await ctx.clients.ssoAdmin.send(new ListInstancesCommand({}));
  const instance =
    out.Instances?.find((i) => !configured.instanceArn || i.InstanceArn === configured.instanceArn) ??
    undefined;
  if (!instance?.InstanceArn || !instance.IdentityStoreId) {
    throw new TerminalAwsError(
      "NO_IDENTITY_CENTER",
      "No IAM Identity Center instance was found in the home region",
    );
  }
  return { instanceArn: instance.InstanceArn, identityStoreId: instance.IdentityStoreId };
}

/** The group id for a display name, or undefined when no group has it. */
export async function findGroupId(
  ctx: Ctx,
  ic: IdentityCenter,
  displayName: string,
): Promise<string | undefined> {
  const cache = directoryCache(ctx).groupIds;
  const key = `${ic.identityStoreId}/${displayName}`;
  const found = await cache.get(key, () => lookUpGroupId(ctx, ic, displayName));
  // A group the cache does not know is looked up afresh once.
  return found ?? cache.get(key, () => lookUpGroupId(ctx, ic, displayName), { fresh: true });
}

async function lookUpGroupId(ctx: Ctx, ic: IdentityCenter, displayName: string): Promise<string | undefined> {
  try {
    const out = await ctx.clients.identityStore.send(
      new GetGroupIdCommand({
        IdentityStoreId: ic.identityStoreId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: "displayName", AttributeValue: displayName },
        },
      }),
    );
    return out.GroupId;
  } catch (error) {
    if (isAwsError(error, "ResourceNotFoundException")) return undefined;
    throw error;
  }
}

/**
 * Permission set name -> ARN for the whole instance, from the directory cache; when a name in `wanted`
 * is not in it, read afresh once (a new permission set is seen at once).
 */
export async function permissionSetsByName(
  ctx: Ctx,
  ic: IdentityCenter,
  wanted: string[] = [],
): Promise<Map<string, string>> {
  const cache = directoryCache(ctx).permissionSets;
  const cached = await cache.get(ic.instanceArn, () => readPermissionSets(ctx, ic));
  if (wanted.every((name) => cached.has(name))) return cached;
  return cache.get(ic.instanceArn, () => readPermissionSets(ctx, ic), { fresh: true });
}

async function readPermissionSets(ctx: Ctx, ic: IdentityCenter): Promise<Map<string, string>> {
  const arns = await pagedList(
    (token) =>
      ctx.clients.ssoAdmin.send(
        new ListPermissionSetsCommand({ InstanceArn: ic.instanceArn, NextToken: token }),
      ),
    (out) => out.PermissionSets,
  );
  const byName = new Map<string, string>();
  for (const arn of arns) {
    const out = await ctx.clients.ssoAdmin.send(
      new DescribePermissionSetCommand({ InstanceArn: ic.instanceArn, PermissionSetArn: arn }),
    );
    if (out.PermissionSet?.Name) byName.set(out.PermissionSet.Name, arn);
  }
  return byName;
}

/** The AWS access portal's URL: the configured one, else the identity store's default. */
export function accessPortalUrl(
  config: Pick<CoreContext["config"], "identityCenter">,
  identityStoreId: string | undefined,
): string | undefined {
  return (
    config.identityCenter.portalUrl ??
    (identityStoreId ? `https://${identityStoreId}.awsapps.com/start` : undefined)
  );
}
