import * as z from "zod";
import type { Baseline } from "../baseline/document";
import { standingAssignments } from "../baseline/standing";
import type { CoreContext } from "../context";
import { ForbiddenError, ValidationError } from "../errors";
import { accessPortalUrl, findGroupId, identityCenter } from "../org/directory";
import { groupIdsOfUser, userIdBy } from "../org/users";
import { profileName } from "../store/requests/request";
import { type VendedAccount, vendedAccounts } from "../store/vended-accounts";
import { toFieldIssues } from "../validation";
import { renderProfile } from "./ini";

type Ctx = Pick<CoreContext, "store" | "closures" | "baselines" | "clients" | "config" | "retry" | "logger">;

/** Characters a profile name may take before the account's own: what a shell and granted read as a name. */
const PREFIX = /^[A-Za-z0-9._/@+=-]*$/;

export const ProfilesQuerySchema = z.strictObject({
  format: z.enum(["ini", "json"]).default("ini"),
  prefix: z
    .string()
    .max(64, "must be at most 64 characters")
    .regex(PREFIX, "may use letters, digits and . _ / @ + = -")
    .default(""),
  mine: z.enum(["true", "false"]).default("false"),
});

/** One granted profile: an account and a permission set assigned to it. */
export interface Profile {
  name: string;
  accountId: string;
  accountName: string;
  permissionSet: string;
  startUrl: string;
  ssoRegion: string;
  requestId: string;
}

/** The keys of a profile in the order they are written, as `granted sso populate` writes them, plus ours. */
export function profileValues(p: Profile): [string, string][] {
  return [
    ["granted_sso_start_url", p.startUrl],
    ["granted_sso_region", p.ssoRegion],
    ["granted_sso_account_id", p.accountId],
    ["granted_sso_role_name", p.permissionSet],
    ["credential_process", `granted credential-process --profile ${p.name}`],
    ["quartermaster_request_id", p.requestId],
  ];
}

/** The profiles as an INI fragment: one section each, a blank line between them. */
export function profilesIni(profiles: readonly Profile[]): string {
  return profiles.map((p) => `${renderProfile(p.name, profileValues(p))}\n`).join("\n");
}

/** Permission set name -> the groups (by name) holding it on one account. */
type Holders = Map<string, Set<string>>;

function hold(holders: Holders, permissionSet: string, group: string) {
  holders.set(permissionSet, (holders.get(permissionSet) ?? new Set()).add(group));
}

/** What an account's users may assume: the request's grants, and the current baseline's standing assignments. */
function holdersOf(account: VendedAccount, baseline: Baseline | undefined): Holders {
  const holders: Holders = new Map();
  for (const grant of account.record.resolved.access)
    for (const ps of grant.permissionSets) hold(holders, ps.name, grant.group);
  const ouPath = account.record.resolved.ouPath;
  for (const assignment of baseline?.assignments ?? []) {
    const covers =
      assignment.accounts.includes(account.accountId) ||
      assignment.ous.some((ou) => ouPath === ou || ouPath.startsWith(`${ou}/`));
    if (covers) for (const ps of assignment.permissionSets) hold(holders, ps, assignment.group);
  }
  return holders;
}

/** The names of the groups the caller is a member of (`mine=true`); 403 when the caller is unknown. */
async function callerGroups(ctx: Ctx, email: string | undefined, groups: Iterable<string>) {
  if (!email)
    throw new ForbiddenError(
      "UNKNOWN_CALLER",
      "mine=true needs to know who is calling, and the caller has no known email",
    );
  const ic = await identityCenter(ctx);
  const userId = await userIdBy(ctx, ic, "emails.value", email.trim());
  if (!userId) throw new ForbiddenError("UNKNOWN_CALLER", `No Identity Center user has the email ${email}`);
  const memberOf = await groupIdsOfUser(ctx, ic, userId);
  const mine = new Set<string>();
  for (const group of groups) {
    const id = await findGroupId(ctx, ic, group);
    if (id && memberOf.has(id)) mine.add(group);
  }
  return mine;
}

/**
 * `GET /profiles`: a granted profile for every permission set on every account a SUCCEEDED request
 * vended, except those closed, being closed, or whose lease is ending. Names are the Slack `assume`
 * line's (`<account name, spaces as ->/<PermissionSet>`), after `prefix`. Two accounts of one name:
 * the one vended first keeps the name (its `assume` line was announced first), each later one is
 * `<name>-<accountId>`, so a profile never lands in an account other than the one it names.
 */
export async function listProfiles(
  ctx: Ctx,
  query: Record<string, string | undefined>,
  caller: () => Promise<string | undefined>,
): Promise<{ format: "ini" | "json"; profiles: Profile[] }> {
  const parsed = ProfilesQuerySchema.safeParse(query);
  if (!parsed.success) throw new ValidationError("Invalid query", toFieldIssues(parsed.error, "(query)"));
  const { format, prefix, mine } = parsed.data;
  const baseline = await standingAssignments(ctx);
  const accounts: { account: VendedAccount; holders: Holders }[] = [];
  for await (const page of vendedAccounts(ctx))
    for (const account of page)
      if (!account.excluded) accounts.push({ account, holders: holdersOf(account, baseline) });

  const allGroups = new Set(accounts.flatMap(({ holders }) => [...holders.values()].flatMap((g) => [...g])));
  const keep = mine === "true" ? await callerGroups(ctx, await caller(), allGroups) : undefined;

  const ic = await identityCenter(ctx);
  accounts.sort((a, b) => a.account.record.createdAt.localeCompare(b.account.record.createdAt));
  const taken = new Set<string>();
  const profiles: Profile[] = [];
  for (const { account, holders } of accounts) {
    const base = profileName(account.record.request.name);
    const accountPart = taken.has(base) ? `${base}-${account.accountId}` : base;
    taken.add(base);
    const startUrl =
      accessPortalUrl(ctx.config, account.record.resolved.identityStoreId ?? ic.identityStoreId) ?? "";
    for (const [permissionSet, groups] of holders) {
      if (keep && ![...groups].some((g) => keep.has(g))) continue;
      profiles.push({
        name: `${prefix}${accountPart}/${permissionSet}`,
        accountId: account.accountId,
        accountName: account.record.request.name,
        permissionSet,
        startUrl,
        ssoRegion: ctx.config.homeRegion,
        requestId: account.record.requestId,
      });
    }
  }
  profiles.sort((a, b) => a.name.localeCompare(b.name));
  return { format, profiles };
}
