import { ListRegionsCommand } from "@aws-sdk/client-account";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { originalAwsError } from "../aws/classify";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
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
 * Why `account:ListRegions` failed, by error name, for each failure this process has already reported:
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

/**
 * Asks \`account:ListRegions\` once, as the clean-up will: undefined when it answers, else why not
 * (the failure is then known, and the clean-up's own fallbacks log it at debug only). Local mode
 * calls this at start to say, in one line, that the emulator lacks the API.
 */
export async function regionLookupGap(
  ctx: Pick<CoreContext, "clients">,
  accountId: string,
): Promise<string | undefined> {
  try {
    await listRegions(ctx, accountId);
    return undefined;
  } catch (error) {
    const { name, message } = errorSummary(error);
    knownFailures.add(name);
    return `${name}: ${message}`;
  }
}

/**
 * Each region's opt status for a member account, from that account's record in the Account
 * Management API (`account:ListRegions` with `AccountId`). That needs trusted access for
 * `account.amazonaws.com` in the organisation; without it AWS answers AccessDenied and this
 * returns undefined (the caller then asks the account itself).
 */
async function regionStatuses(ctx: Ctx, accountId: string): Promise<Map<string, string> | undefined> {
  try {
    const regions = await listRegions(ctx, accountId);
    return new Map(regions.map((r) => [r.RegionName as string, r.RegionOptStatus as string]));
  } catch (error) {
    const { name, message } = errorSummary(error);
    const known = knownFailures.has(name);
    knownFailures.add(name);
    (known ? ctx.logger.debug : ctx.logger.warn).call(
      ctx.logger,
      "account:ListRegions failed (is trusted access for account.amazonaws.com enabled?); asking the account itself",
      { accountId, errorName: name, errorMessage: message },
    );
    return undefined;
  }
}

/**
 * The regions to clean in one member account, always that account's own: the configured regions
 * less those it has not enabled, else every region it has enabled. Where the Account Management
 * API cannot answer, the account's own EC2 DescribeRegions (through the member role) does; the
 * management account's regions are never used, since opt-in regions differ per account.
 */
export async function cleanupRegions(ctx: Ctx, accountId: string): Promise<CleanupRegions> {
  const configured = ctx.config.cleanup.regions;
  const statuses = await regionStatuses(ctx, accountId);
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
  if (statuses) {
    return { regions: [...statuses].filter(([, s]) => ENABLED.has(s)).map(([r]) => r), disabled: [] };
  }
  const ec2 = await ctx.clients.memberEc2(accountId);
  const out = await ec2.send(new DescribeRegionsCommand({}));
  return { regions: (out.Regions ?? []).map((r) => r.RegionName as string), disabled: [] };
}
