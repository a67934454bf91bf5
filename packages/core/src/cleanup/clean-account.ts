import {
  type CloudFormationClient,
  GetTemplateCommand,
  ListStacksCommand,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import type { AccountReport, RegionReport } from "../store/cleanup-runs/record";
import { deleteStack } from "./delete-stack";
import type { SandboxAccount } from "./discover";
import { planDeletions, type StackInfo } from "./plan";
import { cleanupRegions } from "./regions";
import { changesOnItsOwn, describeStack, importsOf, LIVE_STATUSES, settle } from "./stacks";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger" | "clock">;

/** Reads, plans and (unless dry-run) deletes one account-region's stacks. */
export async function cleanRegion(
  ctx: Ctx,
  cfn: CloudFormationClient,
  options: { region: string; runId: string; dryRun: boolean; deadline: number },
): Promise<RegionReport> {
  const summaries = await pagedList(
    (token) => cfn.send(new ListStacksCommand({ StackStatusFilter: LIVE_STATUSES, NextToken: token })),
    (out) => out.StackSummaries,
  );
  const stacks: (StackInfo & { stackId?: string; rootId?: string })[] = [];
  const unreadable: { stack: string; reason: string }[] = [];
  for (const summary of summaries) {
    const name = summary.StackName as string;
    let stack: Stack | undefined;
    let template: { TemplateBody?: string };
    try {
      // A stack mid-operation is waited for, then considered as it ends up.
      stack = changesOnItsOwn(summary.StackStatus)
        ? await settle(cfn, ctx, name, options.deadline)
        : await describeStack(cfn, ctx, name);
      if (!stack) continue;
      // Nested stacks' templates too: what a nested stack imports keeps its exporter alive.
      template = await cfn.send(new GetTemplateCommand({ StackName: name }));
    } catch (error) {
      // One stack that cannot be read (or never settles) is reported, and is left alone with the rest.
      unreadable.push({ stack: name, reason: `could not be read: ${(error as Error).message}` });
      continue;
    }
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
    failed: [...unreadable, ...plan.failed],
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
  const { regions, disabled } = await cleanupRegions(ctx, account.accountId);
  const reports: RegionReport[] = disabled.map(({ region, reason }) => ({
    region,
    deleted: [],
    skipped: [],
    failed: [],
    notCleaned: reason,
  }));
  for (const region of regions) {
    const cfn = await ctx.clients.memberCloudFormation(account.accountId, region);
    try {
      reports.push(
        await cleanRegion(ctx, cfn, { region, runId: options.runId, dryRun: options.dryRun, deadline }),
      );
    } catch (error) {
      // A region that fails (denied, unavailable) is reported there; the account's other regions go on.
      ctx.logger.warn("Region clean-up failed", { accountId: account.accountId, region, error });
      reports.push({ region, deleted: [], skipped: [], failed: [], error: (error as Error).message });
    }
  }
  return { accountId: account.accountId, name: account.name, regions: reports };
}
