import {
  type CloudFormationClient,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  GetTemplateCommand,
  ListImportsCommand,
  ListStacksCommand,
  type Stack,
  type StackStatus,
} from "@aws-sdk/client-cloudformation";
import { isAwsError, isModelledAwsError } from "../aws/classify";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import {
  type AccountOutcome,
  type AccountReport,
  type RegionProgress,
  type RegionReport,
  regionReportOf,
  withRegionProgress,
} from "../store/cleanup-runs/record";
import type { SandboxAccount } from "./discover";
import { planDeletions, type StackInfo } from "./plan";
import { cleanupRegions } from "./regions";
import { changesOnItsOwn, describeStack, importsOf, LIVE_STATUSES } from "./stacks";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger" | "clock" | "runs">;

/** What the region loop tells its Choice state: done, or how long to wait before the next check. */
export interface RegionStep {
  done: boolean;
  waitSeconds: number;
}

export interface RegionInput {
  runId: string;
  dryRun: boolean;
  account: SandboxAccount;
  region: string;
}

/** Seconds between checks: 15 s at first, growing with the time already spent, at most a minute. */
function nextWait(startedAt: string, now: Date): number {
  const elapsed = (now.getTime() - Date.parse(startedAt)) / 1000;
  return Math.round(Math.min(60, Math.max(15, elapsed / 4)));
}

/** Clients (per process) whose endpoint does not offer ListImports: the templates are read instead. */
const withoutListImports = new WeakSet<object>();

/**
 * The stacks that import an export, as CloudFormation itself answers (`ListImports`): authoritative,
 * whatever form the import takes in the template (`Fn::Sub`, parameters). Undefined where the call is not
 * offered (an emulator), so the caller falls back to reading the templates.
 */
async function importersOf(
  ctx: Ctx,
  cfn: CloudFormationClient,
  exportName: string,
): Promise<string[] | undefined> {
  if (withoutListImports.has(ctx.clients)) return undefined;
  try {
    return await pagedList(
      (token) => cfn.send(new ListImportsCommand({ ExportName: exportName, NextToken: token })),
      (out) => out.Imports,
    );
  } catch (error) {
    // AWS answers a ValidationError for an export that no stack imports.
    if (
      isAwsError(error, "ValidationError") &&
      /not imported by any stack/i.test(String((error as Error).message))
    )
      return [];
    if (isModelledAwsError(error)) throw error;
    withoutListImports.add(ctx.clients);
    ctx.logger.info("ListImports is not offered here; imports are read from the stacks' templates");
    return undefined;
  }
}

/** Every live stack of the region and its status, by name: one paged ListStacks. */
async function liveStatuses(cfn: CloudFormationClient): Promise<Map<string, string>> {
  const summaries = await pagedList(
    (token) => cfn.send(new ListStacksCommand({ StackStatusFilter: LIVE_STATUSES, NextToken: token })),
    (out) => out.StackSummaries,
  );
  return new Map(summaries.map((s) => [s.StackName as string, s.StackStatus as string]));
}

/** What a region's stacks are, as read now: the planner's view, and the stacks still changing on their own. */
async function readRegion(ctx: Ctx, cfn: CloudFormationClient) {
  const live = await liveStatuses(cfn);
  const stacks: (StackInfo & { stackId?: string; rootId?: string })[] = [];
  const unreadable: { stack: string; reason: string }[] = [];
  const changing: { stack: string; status: string }[] = [];
  for (const name of live.keys()) {
    let stack: Stack | undefined;
    try {
      stack = await describeStack(cfn, ctx, name);
      if (!stack) continue;
      // A stack mid-operation is looked at again at the next check, once it has settled.
      if (changesOnItsOwn(stack.StackStatus)) {
        changing.push({ stack: name, status: stack.StackStatus as string });
        continue;
      }
    } catch (error) {
      // One stack that cannot be read is reported, and is left alone with the rest.
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
      imports: [],
    });
  }
  // Who imports each export: ListImports where it is offered (authoritative), else the templates (above).
  const fromApi = new Map<string, Set<string>>();
  let authoritative = true;
  for (const exporter of stacks) {
    for (const exportName of exporter.exports) {
      const importers = authoritative ? await importersOf(ctx, cfn, exportName) : undefined;
      if (importers === undefined) {
        authoritative = false;
        break;
      }
      for (const importer of importers)
        fromApi.set(importer, (fromApi.get(importer) ?? new Set()).add(exportName));
    }
    if (!authoritative) break;
  }
  if (authoritative) for (const stack of stacks) stack.imports = [...(fromApi.get(stack.name) ?? [])];
  else {
    // No ListImports here: every stack's template says what it imports (nested stacks' too: what a
    // nested stack imports keeps its exporter alive). A template that cannot be read leaves its stack
    // alone, reported, with the rest. Where ListImports answers, no template is read at all.
    for (const stack of [...stacks]) {
      try {
        const template = await cfn.send(new GetTemplateCommand({ StackName: stack.name }));
        stack.imports = template.TemplateBody ? importsOf(template.TemplateBody) : [];
      } catch (error) {
        unreadable.push({ stack: stack.name, reason: `could not be read: ${(error as Error).message}` });
        stacks.splice(stacks.indexOf(stack), 1);
      }
    }
  }
  // A nested stack goes with its root stack, so its imports are its root's: the root is deleted
  // before the exporter. A nested stack whose root is not found keeps its imports (and so the exporter).
  for (const nested of stacks.filter((s) => s.parentId)) {
    const root = stacks.find((s) => !s.parentId && s.stackId !== undefined && s.stackId === nested.rootId);
    if (!root) continue;
    root.imports = [...new Set([...root.imports, ...nested.imports])];
    nested.imports = [];
  }
  return { stacks, unreadable, changing };
}

/** The ClientRequestToken of a run's DeleteStack: a repeated call of the same run is a no-op; at most 128 characters. */
const deleteToken = (runId: string, name: string, forced: boolean) =>
  `qm-${runId}-${name}`.replace(/[^a-zA-Z0-9-]/g, "-").slice(0, 120) + (forced ? "-force" : "");

async function failedResources(cfn: CloudFormationClient, name: string): Promise<string> {
  const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: name }));
  const failed = (out.StackResources ?? []).filter((r) => r.ResourceStatus === "DELETE_FAILED");
  return (
    failed.map((r) => `${r.LogicalResourceId}: ${r.ResourceStatusReason ?? "no reason given"}`).join("; ") ||
    "no failing resource reported"
  );
}

/**
 * Starts the deletions that may start now: a stack whose importers (in this plan) are all gone. One
 * whose importer could not be deleted is failed, naming it. Returns the progress with `done` set.
 */
async function startReady(
  cfn: CloudFormationClient,
  progress: RegionProgress,
  runId: string,
): Promise<RegionProgress> {
  const pending: string[] = [];
  for (const name of progress.pending) {
    const importers = progress.dependents[name] ?? [];
    const blocked = importers.find((i) => progress.failed.some((f) => f.stack === i));
    if (blocked) {
      progress.failed.push({ stack: name, reason: `imported by ${blocked}, which was not deleted` });
      continue;
    }
    if (!importers.every((i) => progress.deleted.includes(i))) {
      pending.push(name);
      continue;
    }
    try {
      await cfn.send(
        new DeleteStackCommand({ StackName: name, ClientRequestToken: deleteToken(runId, name, false) }),
      );
      progress.inFlight.push({ stack: name, forced: false });
    } catch (error) {
      progress.failed.push({ stack: name, reason: `DeleteStack failed: ${(error as Error).message}` });
    }
  }
  progress.pending = pending;
  progress.done = pending.length === 0 && progress.inFlight.length === 0;
  return progress;
}

/** Reads and plans the region; in a dry run that is the report, otherwise the first deletions start. */
async function planRegion(
  ctx: Ctx,
  cfn: CloudFormationClient,
  input: RegionInput,
  progress: RegionProgress,
): Promise<RegionProgress> {
  const now = ctx.clock();
  const { stacks, unreadable, changing } = await readRegion(ctx, cfn);
  const pastDeadline = now.getTime() > Date.parse(progress.deadline);
  if (changing.length > 0 && !pastDeadline) return { ...progress, settling: true, done: false };
  const plan = planDeletions(stacks, { protectPatterns: ctx.config.cleanup.protectPatterns });
  const importersOf = (name: string) => {
    const exports = stacks.find((s) => s.name === name)?.exports ?? [];
    return plan.delete.filter(
      (other) =>
        other !== name && stacks.find((s) => s.name === other)?.imports.some((i) => exports.includes(i)),
    );
  };
  const planned: RegionProgress = {
    ...progress,
    settling: false,
    skipped: plan.skipped,
    failed: [
      ...unreadable,
      ...plan.failed,
      ...changing.map((c) => ({ stack: c.stack, reason: `stayed ${c.status} past the deadline` })),
    ],
    deleted: input.dryRun ? plan.delete : [],
    pending: input.dryRun ? [] : plan.delete,
    inFlight: [],
    dependents: Object.fromEntries(plan.delete.map((name) => [name, importersOf(name)])),
    done: input.dryRun,
  };
  return input.dryRun ? planned : startReady(cfn, planned, input.runId);
}

/**
 * Reads each deletion under way: gone is deleted; DELETE_FAILED is reported (or forced, when allowed).
 * Several deletions are read with one ListStacks (absent from the live stacks means deleted), not one
 * DescribeStacks each; if that read fails, each is described on its own, so one stack's trouble stays its own.
 */
async function checkDeletions(ctx: Ctx, cfn: CloudFormationClient, progress: RegionProgress, runId: string) {
  const inFlight: RegionProgress["inFlight"] = [];
  let statuses: Map<string, string> | undefined;
  if (progress.inFlight.length > 1) {
    try {
      statuses = await liveStatuses(cfn);
    } catch (error) {
      ctx.logger.warn("ListStacks failed; reading each deletion on its own", { error });
    }
  }
  for (const deletion of progress.inFlight) {
    const { stack: name } = deletion;
    try {
      const status = statuses ? statuses.get(name) : (await describeStack(cfn, ctx, name))?.StackStatus;
      const stack = status === undefined ? undefined : { StackStatus: status as StackStatus };
      if (!stack) {
        progress.deleted.push(name);
      } else if (stack.StackStatus === "DELETE_FAILED") {
        const reason = await failedResources(cfn, name);
        if (ctx.config.cleanup.allowForceDelete && !deletion.forced) {
          await cfn.send(
            new DeleteStackCommand({
              StackName: name,
              ClientRequestToken: deleteToken(runId, name, true),
              DeletionMode: "FORCE_DELETE_STACK",
            }),
          );
          inFlight.push({ stack: name, forced: true });
        } else {
          const prefix = deletion.forced ? "DELETE_FAILED even with FORCE_DELETE_STACK" : "DELETE_FAILED";
          progress.failed.push({ stack: name, reason: `${prefix}: ${reason}` });
        }
      } else if (changesOnItsOwn(stack.StackStatus)) {
        inFlight.push(deletion);
      } else {
        progress.failed.push({
          stack: name,
          reason: `ended ${stack.StackStatus} instead of DELETE_COMPLETE`,
        });
      }
    } catch (error) {
      progress.failed.push({ stack: name, reason: (error as Error).message });
    }
  }
  progress.inFlight = inFlight;
}

/** A region's progress as the run ends before it: what was under way or not started is failed, with why. */
export function abandon(progress: RegionProgress, why: string): RegionProgress {
  return {
    ...progress,
    failed: [
      ...progress.failed,
      ...progress.inFlight.map((d) => ({ stack: d.stack, reason: `still deleting: ${why}` })),
      ...progress.pending.map((name) => ({ stack: name, reason: `not started: ${why}` })),
    ],
    pending: [],
    inFlight: [],
    settling: false,
    done: true,
  };
}

/** Saves the progress (the run's report shows it at once) and tells the loop what to do next. */
async function save(ctx: Ctx, input: RegionInput, progress: RegionProgress): Promise<RegionStep> {
  await ctx.runs.putRegionProgress(input.runId, input.account.accountId, progress);
  return { done: progress.done, waitSeconds: progress.done ? 0 : nextWait(progress.startedAt, ctx.clock()) };
}

/**
 * Reads and plans one account-region, and starts the deletions that can start now (importers before
 * exporters); returns its progress, unsaved. A region that cannot be read at all (denied, unavailable)
 * is reported as such and is done; the account's other regions go on.
 */
async function beginRegion(ctx: Ctx, input: RegionInput): Promise<RegionProgress> {
  const now = ctx.clock();
  const fresh: RegionProgress = {
    region: input.region,
    deleted: [],
    skipped: [],
    failed: [],
    pending: [],
    inFlight: [],
    dependents: {},
    settling: false,
    done: false,
    startedAt: now.toISOString(),
    deadline: new Date(now.getTime() + ctx.config.cleanup.deadlineMinutes * 60_000).toISOString(),
  };
  try {
    const cfn = await ctx.clients.memberCloudFormation(input.account.accountId, input.region);
    return await planRegion(ctx, cfn, input, fresh);
  } catch (error) {
    ctx.logger.warn("Region clean-up failed", {
      accountId: input.account.accountId,
      region: input.region,
      error,
    });
    return { ...fresh, error: (error as Error).message, done: true };
  }
}

/**
 * One look at a region's deletions under way (and, for a region whose stacks were still changing on
 * their own, one more read and plan); starts what became ready; past the deadline, what is left is
 * failed with the reason. Returns its progress, unsaved.
 */
async function advanceRegion(
  ctx: Ctx,
  input: RegionInput,
  progress: RegionProgress,
): Promise<RegionProgress> {
  if (progress.done) return progress;
  try {
    const cfn = await ctx.clients.memberCloudFormation(input.account.accountId, input.region);
    if (progress.settling) return await planRegion(ctx, cfn, input, progress);
    await checkDeletions(ctx, cfn, progress, input.runId);
    if (ctx.clock().getTime() > Date.parse(progress.deadline))
      return abandon(progress, `the ${ctx.config.cleanup.deadlineMinutes}-minute deadline passed`);
    return await startReady(cfn, progress, input.runId);
  } catch (error) {
    ctx.logger.warn("Region check failed", {
      accountId: input.account.accountId,
      region: input.region,
      error,
    });
    return { ...abandon(progress, "the region could not be read"), error: (error as Error).message };
  }
}

/** One region's first step, saved: what the in-process `cleanAccount` and the engine's tests drive. */
export async function startRegion(ctx: Ctx, input: RegionInput): Promise<RegionStep> {
  const existing = await ctx.runs.getRegionProgress(input.runId, input.account.accountId, input.region);
  // Run again (a retry after a lost response): carry on from what was saved.
  if (existing) return checkRegion(ctx, input);
  return save(ctx, input, await beginRegion(ctx, input));
}

/** One region's check, saved. */
export async function checkRegion(ctx: Ctx, input: RegionInput): Promise<RegionStep> {
  const progress = await ctx.runs.getRegionProgress(input.runId, input.account.accountId, input.region);
  if (!progress) return startRegion(ctx, input);
  if (progress.done) return { done: true, waitSeconds: 0 };
  return save(ctx, input, await advanceRegion(ctx, input, progress));
}

/** The account's regions, and the configured ones it has not enabled as reports (not cleaned, not failed). */
async function planRegions(ctx: Ctx, accountId: string) {
  const { regions, disabled } = await cleanupRegions(ctx, accountId);
  // The member role is assumed now: an account it cannot reach is reported as the account's failure.
  if (regions[0]) await ctx.clients.memberCloudFormation(accountId, regions[0]);
  const notCleaned: RegionReport[] = disabled.map(({ region, reason }) => ({
    region,
    deleted: [],
    skipped: [],
    failed: [],
    notCleaned: reason,
  }));
  return { regions, notCleaned };
}

/** Why an account could not be cleaned, with AWS's own reason where there is one. */
function accountFailure(error: unknown): string {
  return error instanceof Error
    ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}`
    : String(error);
}

/**
 * Task `PlanAccount` of the in-process engine: the account's regions (its own enabled regions, less the
 * configured ones it has not enabled, which are reported as not cleaned). Its report exists from here on.
 */
export async function planAccount(
  ctx: Ctx,
  input: { runId: string; account: SandboxAccount },
): Promise<{ regions: string[] }> {
  const { regions, notCleaned } = await planRegions(ctx, input.account.accountId);
  // Every region is in the report from now on, in the configured order: under way until its loop ends.
  const underWay: RegionReport[] = regions.map((region) => ({
    region,
    deleted: [],
    skipped: [],
    failed: [],
    inProgress: [],
  }));
  await ctx.runs.putAccountReport(input.runId, { ...input.account, regions: [...underWay, ...notCleaned] });
  return { regions };
}

/** What a finished account adds to the run's counts, and its worst failure. */
export function outcomeOf(report: AccountReport): AccountOutcome {
  const stackFailures = report.regions.flatMap((r) =>
    r.failed.map((f) => ({ reason: f.reason, region: r.region, stack: f.stack })),
  );
  const regionErrors = report.regions.flatMap((r) =>
    r.error ? [{ reason: r.error, region: r.region }] : [],
  );
  const worst = report.error ? { reason: report.error } : (stackFailures[0] ?? regionErrors[0]);
  return {
    deleted: report.regions.reduce((n, r) => n + r.deleted.length, 0),
    skipped: report.regions.reduce((n, r) => n + r.skipped.length, 0),
    failed: stackFailures.length + regionErrors.length,
    accountFailed: report.error !== undefined,
    ...(worst ? { worst } : {}),
  };
}

/** Ends an account: its report is final, and its outcome is counted in the run's summary once. */
export async function finishAccount(ctx: Ctx, runId: string, report: AccountReport): Promise<void> {
  await ctx.runs.finishAccount(runId, { accountId: report.accountId, name: report.name }, outcomeOf(report));
}

/**
 * Task `StartAccount` / `CheckAccount` of the fan-out: one step of one account, all its regions at once.
 * The first step plans the account (its regions, the member role) and reads and plans every region,
 * starting the deletions that may start; a region done at once (most are: nothing to delete) is written
 * into the account's report, one write for an empty account. A later step looks once at every region
 * still under way. When none is, the account is finished and counted. Run twice, a step carries on from
 * what was saved. It never waits: the state machine waits between steps.
 */
export async function cleanAccountStep(ctx: Ctx, input: Omit<RegionInput, "region">): Promise<RegionStep> {
  const { runId, account } = input;
  const saved = await ctx.runs.getAccountProgress(runId, account.accountId);
  if (saved.finished) return { done: true, waitSeconds: 0 };
  let report = saved.report;
  let regions: RegionProgress[];
  if (!report) {
    let plan: Awaited<ReturnType<typeof planRegions>>;
    try {
      plan = await planRegions(ctx, account.accountId);
    } catch (error) {
      ctx.logger.error("Account clean-up failed", { accountId: account.accountId, runId, error });
      const failed: AccountReport = { ...account, regions: [], error: accountFailure(error) };
      await ctx.runs.putAccountReport(runId, failed);
      await finishAccount(ctx, runId, failed);
      return { done: true, waitSeconds: 0 };
    }
    // A region saved by a step that stopped before the report was written carries on from there.
    const earlier = new Map(saved.regions.map((p) => [p.region, p]));
    regions = await Promise.all(
      plan.regions.map((region) => {
        const previous = earlier.get(region);
        return previous
          ? advanceRegion(ctx, { ...input, region }, previous)
          : beginRegion(ctx, { ...input, region });
      }),
    );
    // Regions still under way get an item of their own (written first: the report marks the step done).
    await Promise.all(
      regions
        .filter((p) => !p.done || earlier.has(p.region))
        .map((p) => ctx.runs.putRegionProgress(runId, account.accountId, p)),
    );
    report = { ...account, regions: [...regions.map(regionReportOf), ...plan.notCleaned] };
    await ctx.runs.putAccountReport(runId, report);
  } else {
    regions = await Promise.all(
      saved.regions.map(async (p) => {
        if (p.done) return p;
        const next = await advanceRegion(ctx, { ...input, region: p.region }, p);
        await ctx.runs.putRegionProgress(runId, account.accountId, next);
        return next;
      }),
    );
  }
  const open = regions.filter((p) => !p.done);
  const now = ctx.clock();
  if (open.length > 0)
    return { done: false, waitSeconds: Math.min(...open.map((p) => nextWait(p.startedAt, now))) };
  await finishAccount(ctx, runId, withRegionProgress(report, regions));
  return { done: true, waitSeconds: 0 };
}

/**
 * One account end to end, in process: what the state machine does for one account, with the Wait
 * states as sleeps (`ctx.retry.sleep`). Used where no state machine runs: the unit tests of the engine,
 * and its property test.
 */
export async function cleanAccount(
  ctx: Ctx,
  account: SandboxAccount,
  options: { runId: string; dryRun: boolean },
): Promise<AccountReport> {
  const input = { ...options, account };
  let step = await cleanAccountStep(ctx, input);
  while (!step.done) {
    await ctx.retry.sleep(step.waitSeconds * 1000);
    step = await cleanAccountStep(ctx, input);
  }
  const run = await ctx.runs.getRun(options.runId);
  const report = run?.accounts.find((a) => a.accountId === account.accountId);
  return report ?? { ...account, regions: [] };
}
