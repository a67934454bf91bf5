import { ListRegionsCommand } from "@aws-sdk/client-account";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { originalAwsError } from "../aws/classify";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import { TerminalAwsError } from "../errors";
import { truncate } from "../validation";

type Ctx = Pick<CoreContext, "clients" | "config" | "logger">;

export interface CleanupRegions {
  /** Regions to clean, in order. */
  regions: string[];
  /** Configured regions the account has not enabled (opt-in regions): skipped, with the reason. */
  disabled: { region: string; reason: string }[];
}

const ENABLED = new Set(["ENABLED", "ENABLED_BY_DEFAULT"]);

/**
 * Which region look-ups failed, and with which error, as this process has already reported them:
 * the same failure (trusted access not enabled, say) repeats for every account of every run, and is
 * reported once per process, as one short line; later ones are logged at debug.
 */
const knownFailures = new Set<string>();

/** The AWS error's own name and the first line of its message (not the retrying client's wrapper). */
function errorSummary(error: unknown): { name: string; message: string } {
  const original = originalAwsError(error) as { name?: unknown; message?: unknown };
  const name = typeof original.name === "string" ? original.name : "Error";
  const message =
    (typeof original.message === "string" ? original.message : String(error)).split("\n")[0] ?? "";
  return { name, message: truncate(message, 200) };
}

function listRegions(ctx: Pick<CoreContext, "clients">, accountId: string) {
  return pagedList(
    (token) => ctx.clients.account.send(new ListRegionsCommand({ AccountId: accountId, NextToken: token })),
    (out) => out.Regions,
  );
}

/** EC2's opt-in status, in the Account Management API's words. */
const OPT_IN: Record<string, string> = {
  "opt-in-not-required": "ENABLED_BY_DEFAULT",
  "opted-in": "ENABLED",
  "not-opted-in": "DISABLED",
};

/** Logs a lookup's failure once per process as a warning (one short line), later ones at debug. */
function reportOnce(ctx: Ctx, message: string, accountId: string, error: unknown) {
  const { name, message: errorMessage } = errorSummary(error);
  const known = knownFailures.has(`${message}/${name}`);
  knownFailures.add(`${message}/${name}`);
  (known ? ctx.logger.debug : ctx.logger.warn).call(ctx.logger, message, {
    accountId,
    errorName: name,
    errorMessage,
  });
}

/**
 * Each region's opt status as the member account itself sees it: its EC2 DescribeRegions with
 * AllRegions, through the member role. Each account answers with its own limits, so the clean-up's
 * rate is bound by no shared quota here (account:ListRegions allows 5 calls a second for the whole
 * organisation). Undefined when EC2 refuses (an SCP, say); an account whose role cannot be assumed
 * throws, which is the account's failure.
 */
async function memberRegionStatuses(ctx: Ctx, accountId: string): Promise<Map<string, string> | undefined> {
  const ec2 = await ctx.clients.memberEc2(accountId);
  try {
    const out = await ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
    return new Map(
      (out.Regions ?? []).map((r) => [
        r.RegionName as string,
        OPT_IN[r.OptInStatus ?? ""] ?? "ENABLED_BY_DEFAULT",
      ]),
    );
  } catch (error) {
    reportOnce(
      ctx,
      "The member account's ec2:DescribeRegions failed; asking account:ListRegions",
      accountId,
      error,
    );
    return undefined;
  }
}

/**
 * Each region's opt status for a member account, from that account's record in the Account
 * Management API (`account:ListRegions` with `AccountId`): the fallback where the account's own EC2
 * cannot answer. That needs trusted access for `account.amazonaws.com` in the organisation; without
 * it AWS answers AccessDenied and this returns undefined.
 */
async function regionStatuses(ctx: Ctx, accountId: string): Promise<Map<string, string> | undefined> {
  try {
    const regions = await listRegions(ctx, accountId);
    return new Map(regions.map((r) => [r.RegionName as string, r.RegionOptStatus as string]));
  } catch (error) {
    reportOnce(
      ctx,
      "account:ListRegions failed too (is trusted access for account.amazonaws.com enabled?)",
      accountId,
      error,
    );
    return undefined;
  }
}

/**
 * The regions to clean in one member account, always that account's own: the configured regions
 * less those it has not enabled, else every region it has enabled. The account's own EC2 answers
 * (through the member role); where it cannot, the Account Management API does; the management
 * account's regions are never used, since opt-in regions differ per account. Where neither answers,
 * the configured regions are cleaned (a region the account has not enabled then reports its error).
 */
export async function cleanupRegions(ctx: Ctx, accountId: string): Promise<CleanupRegions> {
  const configured = ctx.config.cleanup.regions;
  const statuses = (await memberRegionStatuses(ctx, accountId)) ?? (await regionStatuses(ctx, accountId));
  if (configured.length > 0) {
    if (!statuses) return { regions: configured, disabled: [] };
    const isEnabled = (region: string) => !statuses.has(region) || ENABLED.has(statuses.get(region) ?? "");
    return {
      regions: configured.filter(isEnabled),
      disabled: configured
        .filter((region) => !isEnabled(region))
        .map((region) => ({ region, reason: `not enabled for this account (${statuses.get(region)})` })),
    };
  }
  if (!statuses)
    throw new TerminalAwsError(
      "REGIONS_UNREADABLE",
      "The account's regions could not be read (ec2:DescribeRegions and account:ListRegions both failed)",
    );
  return { regions: [...statuses].filter(([, s]) => ENABLED.has(s)).map(([r]) => r), disabled: [] };
}
