import { ListRegionsCommand } from "@aws-sdk/client-account";
import {
  type CloudFormationClient,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
  type Stack,
  type StackStatus,
} from "@aws-sdk/client-cloudformation";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { awsErrorName } from "../aws/classify";
import { pagedList } from "../aws/paginate";
import { fullJitterDelay, withRetry } from "../aws/retry";
import type { CoreContext } from "../context";
import { DeadlineExceededError } from "../errors";
import type { AccountReport, RegionReport } from "../store/cleanup-runs/record";
import type { SandboxAccount } from "./discover";
import { planDeletions, type StackInfo } from "./plan";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger" | "clock">;

const LIVE_STATUSES: StackStatus[] = [
  "CREATE_IN_PROGRESS",
  "CREATE_FAILED",
  "CREATE_COMPLETE",
  "ROLLBACK_IN_PROGRESS",
  "ROLLBACK_FAILED",
  "ROLLBACK_COMPLETE",
  "DELETE_IN_PROGRESS",
  "DELETE_FAILED",
  "UPDATE_IN_PROGRESS",
  "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
  "UPDATE_COMPLETE",
  "UPDATE_FAILED",
  "UPDATE_ROLLBACK_IN_PROGRESS",
  "UPDATE_ROLLBACK_FAILED",
  "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
  "UPDATE_ROLLBACK_COMPLETE",
  "REVIEW_IN_PROGRESS",
  "IMPORT_IN_PROGRESS",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_IN_PROGRESS",
  "IMPORT_ROLLBACK_FAILED",
  "IMPORT_ROLLBACK_COMPLETE",
];

/** The regions to clean: configured, else the account's enabled regions (EC2 DescribeRegions where ListRegions is unavailable). */
export async function cleanupRegions(ctx: Ctx, accountId: string): Promise<string[]> {
  if (ctx.config.cleanup.regions.length > 0) return ctx.config.cleanup.regions;
  try {
    const regions = await pagedList(
      "account:ListRegions",
      ctx.retry,
      (token) =>
        ctx.clients.account.send(
          new ListRegionsCommand({
            AccountId: accountId,
            RegionOptStatusContains: ["ENABLED", "ENABLED_BY_DEFAULT"],
            NextToken: token,
          }),
        ),
      (out) => out.Regions,
    );
    return regions.map((r) => r.RegionName as string);
  } catch (error) {
    ctx.logger.warn("account:ListRegions failed; falling back to EC2 DescribeRegions", { accountId, error });
    const out = await withRetry(
      "ec2:DescribeRegions",
      () => ctx.clients.ec2.send(new DescribeRegionsCommand({})),
      ctx.retry,
    );
    return (out.Regions ?? []).map((r) => r.RegionName as string);
  }
}

/** Export names a template imports: `Fn::ImportValue` (JSON) or `!ImportValue` / `Fn::ImportValue:` (YAML) with literal names. */
export function importsOf(templateBody: string): string[] {
  const found = new Set<string>();
  try {
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if (k === "Fn::ImportValue" && typeof v === "string") found.add(v);
          else walk(v);
        }
      }
    };
    walk(JSON.parse(templateBody));
  } catch {
    // Not JSON: CloudFormation also accepts YAML, where a literal import is on one line.
    for (const m of templateBody.matchAll(/(?:!ImportValue|Fn::ImportValue:)\s+["']?([\w:.-]+)["']?/g))
      found.add(m[1] as string);
  }
  return [...found];
}

async function describe(cfn: CloudFormationClient, ctx: Ctx, name: string): Promise<Stack | undefined> {
  try {
    const out = await withRetry(
      "cloudformation:DescribeStacks",
      () => cfn.send(new DescribeStacksCommand({ StackName: name })),
      ctx.retry,
    );
    const stack = out.Stacks?.[0];
    return stack?.StackStatus === "DELETE_COMPLETE" ? undefined : stack;
  } catch (error) {
    // CloudFormation answers ValidationError "Stack with id X does not exist" for a deleted stack.
    if (
      awsErrorName((error as Error).cause) === "ValidationError" &&
      /does not exist/.test(String((error as Error).message))
    ) {
      return undefined;
    }
    throw error;
  }
}

/** Polls until the stack is no longer *_IN_PROGRESS (or gone), with jittered waits and a deadline. */
async function settle(
  cfn: CloudFormationClient,
  ctx: Ctx,
  name: string,
  deadline: number,
): Promise<Stack | undefined> {
  for (let attempt = 0; ; attempt++) {
    const stack = await describe(cfn, ctx, name);
    if (!stack?.StackStatus?.endsWith("_IN_PROGRESS")) return stack;
    if (ctx.clock().getTime() > deadline)
      throw new DeadlineExceededError(`Stack ${name} stayed ${stack.StackStatus} past the deadline`);
    await ctx.retry.sleep(
      fullJitterDelay({ baseDelayMs: 2000, maxDelayMs: 15_000, random: ctx.retry.random }, attempt) + 500,
    );
  }
}

async function failedResources(cfn: CloudFormationClient, ctx: Ctx, name: string): Promise<string> {
  const out = await withRetry(
    "cloudformation:DescribeStackResources",
    () => cfn.send(new DescribeStackResourcesCommand({ StackName: name })),
    ctx.retry,
  );
  const failed = (out.StackResources ?? []).filter((r) => r.ResourceStatus === "DELETE_FAILED");
  return (
    failed.map((r) => `${r.LogicalResourceId}: ${r.ResourceStatusReason ?? "no reason given"}`).join("; ") ||
    "no failing resource reported"
  );
}

async function deleteStack(
  cfn: CloudFormationClient,
  ctx: Ctx,
  name: string,
  token: string,
  deadline: number,
): Promise<string | undefined> {
  await withRetry(
    "cloudformation:DeleteStack",
    () => cfn.send(new DeleteStackCommand({ StackName: name, ClientRequestToken: token })),
    ctx.retry,
  );
  let stack = await settle(cfn, ctx, name, deadline);
  if (!stack) return undefined;
  if (stack.StackStatus !== "DELETE_FAILED") return `ended ${stack.StackStatus} instead of DELETE_COMPLETE`;
  const reason = await failedResources(cfn, ctx, name);
  if (!ctx.config.cleanup.allowForceDelete) return `DELETE_FAILED: ${reason}`;
  await withRetry(
    "cloudformation:DeleteStack",
    () =>
      cfn.send(
        new DeleteStackCommand({
          StackName: name,
          ClientRequestToken: `${token}-force`,
          DeletionMode: "FORCE_DELETE_STACK",
        }),
      ),
    ctx.retry,
  );
  stack = await settle(cfn, ctx, name, deadline);
  return stack ? `DELETE_FAILED even with FORCE_DELETE_STACK: ${reason}` : undefined;
}

/** Reads, plans and (unless dry-run) deletes one account-region's stacks. */
export async function cleanRegion(
  ctx: Ctx,
  cfn: CloudFormationClient,
  options: { region: string; runId: string; dryRun: boolean; deadline: number },
): Promise<RegionReport> {
  const summaries = await pagedList(
    "cloudformation:ListStacks",
    ctx.retry,
    (token) => cfn.send(new ListStacksCommand({ StackStatusFilter: LIVE_STATUSES, NextToken: token })),
    (out) => out.StackSummaries,
  );
  const stacks: (StackInfo & { stackId?: string; rootId?: string })[] = [];
  for (const summary of summaries) {
    const name = summary.StackName as string;
    // A stack mid-operation is waited for, then considered as it ends up.
    const stack = summary.StackStatus?.endsWith("_IN_PROGRESS")
      ? await settle(cfn, ctx, name, options.deadline)
      : await describe(cfn, ctx, name);
    if (!stack) continue;
    // Nested stacks' templates too: what a nested stack imports keeps its exporter alive.
    const template = await withRetry(
      "cloudformation:GetTemplate",
      () => cfn.send(new GetTemplateCommand({ StackName: name })),
      ctx.retry,
    );
    stacks.push({
      name,
      stackId: stack.StackId,
      rootId: stack.RootId,
      status: stack.StackStatus as string,
      parentId: stack.ParentId,
      terminationProtection: stack.EnableTerminationProtection === true,
      tags: Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key as string, t.Value ?? ""])),
      exports: (stack.Outputs ?? []).flatMap((o) => (o.ExportName ? [o.ExportName] : [])),
      imports: template.TemplateBody ? importsOf(template.TemplateBody) : [],
    });
  }
  // A nested stack goes with its root stack, so its imports are its root's: the root is deleted
  // before the exporter. A nested stack whose root is not found keeps its imports (and so the exporter).
  for (const nested of stacks.filter((s) => s.parentId)) {
    const root = stacks.find((s) => !s.parentId && s.stackId !== undefined && s.stackId === nested.rootId);
    if (!root) continue;
    root.imports = [...new Set([...root.imports, ...nested.imports])];
    nested.imports = [];
  }
  const plan = planDeletions(stacks, { protectPatterns: ctx.config.cleanup.protectPatterns });
  const report: RegionReport = {
    region: options.region,
    deleted: [],
    skipped: plan.skipped,
    failed: [...plan.failed],
  };
  if (options.dryRun) return { ...report, deleted: plan.delete };
  for (const name of plan.delete) {
    // ClientRequestToken makes a repeated DeleteStack of the same run a no-op; max 128 characters.
    const token = `qm-${options.runId}-${name}`.replace(/[^a-zA-Z0-9-]/g, "-").slice(0, 120);
    try {
      const failure = await deleteStack(cfn, ctx, name, token, options.deadline);
      if (failure) report.failed.push({ stack: name, reason: failure });
      else report.deleted.push(name);
    } catch (error) {
      report.failed.push({ stack: name, reason: (error as Error).message });
    }
  }
  return report;
}

/** Cleans every configured region of one sandbox account through the member role. */
export async function cleanAccount(
  ctx: Ctx,
  account: SandboxAccount,
  options: { runId: string; dryRun: boolean },
): Promise<AccountReport> {
  const deadline = ctx.clock().getTime() + ctx.config.cleanup.deadlineMinutes * 60_000;
  const regions = await cleanupRegions(ctx, account.accountId);
  const reports: RegionReport[] = [];
  for (const region of regions) {
    const cfn = await ctx.clients.memberCloudFormation(account.accountId, region);
    reports.push(
      await cleanRegion(ctx, cfn, { region, runId: options.runId, dryRun: options.dryRun, deadline }),
    );
  }
  return { accountId: account.accountId, name: account.name, regions: reports };
}
