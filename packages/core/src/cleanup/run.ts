import { randomBytes } from "node:crypto";
import * as z from "zod";
import { closableOus } from "../config/config";
import type { CoreContext } from "../context";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import {
  MAX_EVENT_FAILURES,
  MAX_EVENT_REASON,
  SANDBOX_CLEANUP_COMPLETED,
  type SandboxCleanupCompleted,
} from "../events/cleanup";
import { publishSafely } from "../events/publisher";
import { METRIC } from "../metrics";
import type { AccountReport, CleanupRun, RunStatus } from "../store/cleanup-runs/record";
import { findForbiddenKeys, isPossibleId, quoteId, toFieldIssues, truncate } from "../validation";
import { type ExecutionStatusChange, executionSubject } from "../workflow/execution-events";
import { abandon, planAccount } from "./clean-account";
import { discoverSandboxAccounts, type SandboxAccount } from "./discover";

type Ctx = Pick<
  CoreContext,
  "clients" | "config" | "retry" | "logger" | "clock" | "runs" | "workflows" | "events" | "metrics"
>;

export const CleanupRequestSchema = z.strictObject({
  /** Nothing is deleted unless the caller says `"dryRun": false` (the schedule and `qm cleanup` do). */
  dryRun: z.boolean().default(true),
  accounts: z
    .array(z.string().regex(/^\d{12}$/, "must be a 12-digit account id"))
    .min(1)
    .max(1000)
    .optional(),
});

/** The input of `sandbox-cleanup`; a scheduled run has no runId and uses its execution name. */
export interface CleanupInput {
  runId?: string;
  dryRun?: boolean;
  accounts?: string[];
}

export interface CleanupPlanState {
  runId: string;
  dryRun: boolean;
  accounts: SandboxAccount[];
}

function newRunId(now: Date): string {
  return `run-${now.getTime().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/** The name of an execution, the last segment of its ARN: a scheduled run's id. */
function executionName(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(":") + 1);
}

/** `POST /cleanup/runs`: records the run, then starts the workflow. */
export async function startCleanupRun(ctx: Ctx, body: unknown): Promise<CleanupRun> {
  const forbidden = findForbiddenKeys(body);
  // The edge turns an empty body into {}; JSON null or any non-object is refused here (422).
  const parsed = CleanupRequestSchema.safeParse(body);
  if (!parsed.success || forbidden.length) {
    throw new ValidationError("The clean-up request is invalid", [
      ...forbidden,
      ...(parsed.success ? [] : toFieldIssues(parsed.error)),
    ]);
  }
  return launchRun(ctx, { dryRun: parsed.data.dryRun, accounts: parsed.data.accounts, trigger: "api" });
}

/**
 * Records a run and starts its `sandbox-cleanup` execution: `POST /cleanup/runs`, and a closure's
 * clean-up of its one account (trigger `closure`: the closable OUs are its scope).
 */
export async function launchRun(
  ctx: Ctx,
  options: { dryRun: boolean; accounts?: string[]; trigger: "api" | "closure" },
): Promise<CleanupRun> {
  const now = ctx.clock();
  const run = await ctx.runs.createRun({
    runId: newRunId(now),
    status: "RUNNING",
    dryRun: options.dryRun,
    trigger: options.trigger,
    requestedAccounts: options.accounts,
    refused: [],
    accounts: [],
    attempts: 1,
    startedAt: now.toISOString(),
  });
  const input: CleanupInput = { runId: run.runId, dryRun: run.dryRun, accounts: run.requestedAccounts };
  const { executionArn } = await ctx.workflows.start("sandbox-cleanup", run.runId, input);
  await ctx.runs.updateRun(run.runId, { executionArn });
  return { ...run, executionArn };
}

/** Task `StartRun`: records the run (scheduled runs), discovers sandbox accounts and narrows them to the request. */
export async function beginRun(
  ctx: Ctx,
  input: CleanupInput,
  executionArn: string,
): Promise<CleanupPlanState> {
  const runId = input.runId ?? executionName(executionArn);
  const run = await ctx.runs.createRun({
    runId,
    status: "RUNNING",
    // Only an explicit false deletes: a workflow input without dryRun (a hand-started execution) is a dry run.
    dryRun: input.dryRun !== false,
    trigger: input.runId ? "api" : "schedule",
    requestedAccounts: input.accounts,
    refused: [],
    accounts: [],
    attempts: 1,
    executionArn,
    startedAt: ctx.clock().toISOString(),
  });
  // A closure's clean-up covers its account wherever the closable OUs allow; every other run, the sandbox OUs.
  const scope = run.trigger === "closure" ? closableOus(ctx.config) : ctx.config.sandboxOuPaths;
  const discovery = await discoverSandboxAccounts(ctx, scope);
  let refused = [...discovery.refused];
  let accounts = discovery.accounts;
  if (run.requestedAccounts?.length) {
    // A run narrowed to some accounts reports on those accounts only.
    const requested = new Set(run.requestedAccounts);
    refused = refused.filter((r) => requested.has(r.accountId));
    const inScope = new Set(accounts.map((a) => a.accountId));
    const refusedIds = new Set(refused.map((r) => r.accountId));
    for (const id of run.requestedAccounts) {
      if (!inScope.has(id) && !refusedIds.has(id)) {
        refused.push({
          accountId: id,
          name: id,
          reason:
            run.trigger === "closure"
              ? "not an active account under a closable OU"
              : "not an active account under a sandbox OU",
        });
      }
    }
    accounts = accounts.filter((a) => run.requestedAccounts?.includes(a.accountId));
  }
  await ctx.runs.updateRun(runId, { refused });
  ctx.logger.info("Clean-up run planned", { runId, accounts: accounts.length, refused: refused.length });
  return { runId, dryRun: run.dryRun, accounts };
}

/** Task `PlanAccount`: the account's regions, and its report started; an account that cannot be planned is reported, never fatal. */
export async function planAccountTask(
  ctx: Ctx,
  input: { runId: string; account: SandboxAccount },
): Promise<{ regions: string[] }> {
  try {
    return await planAccount(ctx, input);
  } catch (error) {
    ctx.logger.error("Account clean-up failed", {
      accountId: input.account.accountId,
      runId: input.runId,
      error,
    });
    const reason =
      error instanceof Error
        ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}`
        : String(error);
    await ctx.runs.putAccountReport(input.runId, { ...input.account, regions: [], error: reason });
    return { regions: [] };
  }
}

/** Task `FinishRun`: the run's status from its reports, and `Sandbox Cleanup Completed` on the bus. */
export async function finishRun(
  ctx: Ctx,
  input: { runId?: string; planned?: SandboxAccount[]; error?: { Error: string; Cause?: string } },
  executionArn: string,
) {
  const runId = input.runId ?? executionName(executionArn);
  const stored = await ctx.runs.getRun(runId);
  if (!stored) throw new NotFoundError(`No clean-up run ${runId}`);
  // Run twice (a Lambda retry after a lost response): the report is announced once.
  if (stored.status !== "RUNNING" && stored.endedAt) return { runId, status: stored.status };
  // Every planned account appears in the report, even one whose task never reported.
  for (const account of input.planned ?? []) {
    if (!stored.accounts.some((a) => a.accountId === account.accountId)) {
      const report = { ...account, regions: [], error: "the account's clean-up task did not complete" };
      await ctx.runs.putAccountReport(runId, report);
      stored.accounts.push(report);
    }
  }
  // A region whose loop did not end (the execution failed or timed out around it) is reported as such.
  const unfinished = await ctx.runs.unfinishedRegions(runId);
  for (const { accountId, progress } of unfinished)
    await ctx.runs.putRegionProgress(
      runId,
      accountId,
      abandon(progress, "the clean-up ended before this region did"),
    );
  const run = unfinished.length ? ((await ctx.runs.getRun(runId)) ?? stored) : stored;
  const error = input.error ? `${input.error.Error}: ${input.error.Cause ?? ""}` : undefined;
  const status = runStatus(run.accounts, error);
  await ctx.runs.updateRun(runId, { status, endedAt: ctx.clock().toISOString(), error });
  // Accounts that could not be cleaned first (the worst), then stacks that could not be deleted.
  const failures: SandboxCleanupCompleted["failures"] = [
    ...run.accounts.flatMap((a) => (a.error ? [{ accountId: a.accountId, reason: a.error }] : [])),
    ...run.accounts.flatMap((a) =>
      a.regions.flatMap((r) =>
        r.failed.map((f) => ({ accountId: a.accountId, region: r.region, stack: f.stack, reason: f.reason })),
      ),
    ),
  ];
  const detail: SandboxCleanupCompleted = {
    runId,
    status,
    dryRun: run.dryRun,
    trigger: run.trigger,
    deleted: run.accounts.reduce((n, a) => n + a.regions.reduce((m, r) => m + r.deleted.length, 0), 0),
    skipped: run.accounts.reduce((n, a) => n + a.regions.reduce((m, r) => m + r.skipped.length, 0), 0),
    failureCount: failures.length,
    failures: failures.slice(0, MAX_EVENT_FAILURES).map((f) => ({
      ...f,
      reason: truncate(f.reason, MAX_EVENT_REASON),
    })),
    report: `/cleanup/runs/${runId}`,
  };
  if (!run.dryRun) {
    ctx.metrics.add(METRIC.stacksDeleted, "Count", detail.deleted);
    ctx.metrics.add(METRIC.stacksSkipped, "Count", detail.skipped);
    ctx.metrics.add(METRIC.stacksFailed, "Count", failures.filter((f) => f.stack !== undefined).length);
  }
  // The report is stored either way; a lost notification must not fail the run.
  await publishSafely(ctx, SANDBOX_CLEANUP_COMPLETED, detail);
  return { runId, status };
}

/**
 * The execution monitor's part for `sandbox-cleanup`: a run whose execution ended FAILED, TIMED_OUT
 * or ABORTED before FinishRun could run (a timeout, an abort) is finished FAILED here, and its
 * summary published once; a run FinishRun already ended is left alone. False when nothing changed.
 */
export async function recordCleanupExecutionFailure(
  ctx: Ctx,
  change: ExecutionStatusChange,
): Promise<boolean> {
  if (!change.stateMachineArn.endsWith("sandbox-cleanup")) return false;
  // A scheduled run is named after its execution (its input has no runId); a retry's is `<runId>-<attempt>`.
  const subject = executionSubject(change, "runId", ctx.logger);
  const runId = subject.id ?? subject.name;
  const run = (await ctx.runs.getRun(runId)) ?? (await ctx.runs.getRun(subject.nameWithoutAttempt));
  if (!run || run.endedAt) return false;
  await finishRun(
    ctx,
    {
      runId: run.runId,
      error: {
        Error: change.error ?? `States.${change.status}`,
        Cause: change.cause ?? `ended ${change.status}`,
      },
    },
    change.executionArn,
  );
  return true;
}

/** `GET /cleanup/runs/{id}`. */
export async function getCleanupRun(ctx: Pick<Ctx, "runs">, runId: string): Promise<CleanupRun> {
  const run = isPossibleId(runId) ? await ctx.runs.getRun(runId) : undefined;
  if (!run) throw new NotFoundError(`No clean-up run ${quoteId(runId)}`);
  return run;
}

/** `POST /cleanup/runs/{id}/retry`: runs the same clean-up again (already deleted stacks are simply gone). */
export async function retryCleanupRun(ctx: Ctx, runId: string): Promise<CleanupRun> {
  const run = await getCleanupRun(ctx, runId);
  if (run.status === "RUNNING")
    throw new ConflictError("NOT_RETRYABLE", `Clean-up run ${runId} is still running`);
  if (run.status === "SUCCEEDED")
    throw new ConflictError("NOT_RETRYABLE", `Clean-up run ${runId} has already succeeded`);
  const attempts = (run.attempts ?? 1) + 1;
  await ctx.runs.updateRun(runId, { status: "RUNNING", attempts, endedAt: undefined, error: undefined });
  const input: CleanupInput = { runId, dryRun: run.dryRun, accounts: run.requestedAccounts };
  const { executionArn } = await ctx.workflows.start("sandbox-cleanup", `${runId}-${attempts}`, input);
  await ctx.runs.updateRun(runId, { executionArn });
  return getCleanupRun(ctx, runId);
}

/** Overall status: FAILED when nothing could be cleaned, PARTIAL when something failed. */
export function runStatus(accounts: AccountReport[], error?: string): Exclude<RunStatus, "RUNNING"> {
  if (error) return "FAILED";
  const accountFailures = accounts.filter((a) => a.error).length;
  if (accounts.length > 0 && accountFailures === accounts.length) return "FAILED";
  const stackFailures = accounts.some((a) => a.regions.some((r) => r.failed.length > 0 || r.error));
  return accountFailures > 0 || stackFailures ? "PARTIAL" : "SUCCEEDED";
}
