import { randomBytes } from "node:crypto";
import * as z from "zod";
import { closableOus } from "../config/config";
import type { CoreContext } from "../context";
import type { CleanupRunView } from "../contract";
import { ConflictError, MalformedRequestError, NotFoundError, ValidationError } from "../errors";
import {
  MAX_EVENT_FAILURES,
  MAX_EVENT_REASON,
  SANDBOX_CLEANUP_COMPLETED,
  type SandboxCleanupCompleted,
} from "../events/cleanup";
import { publishSafely } from "../events/publisher";
import { type FanoutItems, writeFanoutItems } from "../fanout/items";
import { METRIC } from "../metrics";
import {
  type CleanupRun,
  type RunCursor,
  type RunStatus,
  type RunSummary,
  withRegionProgress,
} from "../store/cleanup-runs/record";
import { findForbiddenKeys, isPossibleId, quoteId, toFieldIssues, truncate } from "../validation";
import { type ExecutionStatusChange, executionName, executionSubject } from "../workflow/execution-events";
import { abandon, finishAccount } from "./clean-account";
import { discoverSandboxAccounts } from "./discover";

type Ctx = Pick<
  CoreContext,
  "clients" | "config" | "retry" | "logger" | "clock" | "runs" | "workflows" | "events" | "metrics"
>;

/** StartRun writes the run's accounts to the items bucket the project names. */
type ItemsCtx = Ctx & Pick<CoreContext, "resources">;

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

/** What `StartRun` hands the state machine: the run, and where its accounts are (never the accounts). */
export interface CleanupPlanState {
  runId: string;
  dryRun: boolean;
  items: FanoutItems;
}

function newRunId(now: Date): string {
  return `run-${now.getTime().toString(36)}-${randomBytes(4).toString("hex")}`;
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
  ctx: ItemsCtx,
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
  // The accounts go to the items bucket, read page by page by the fan-out's Distributed Map.
  const items = await writeFanoutItems(ctx, "cleanup", runId, accounts);
  await ctx.runs.recordPlan(runId, { accounts, refused });
  await ctx.runs.updateRun(runId, { items });
  ctx.logger.info("Clean-up run planned", { runId, accounts: accounts.length, refused: refused.length });
  return { runId, dryRun: run.dryRun, items };
}

/** Why an account that never reported is in the report: its steps did not end. */
const DID_NOT_COMPLETE = "the account's clean-up task did not complete";

/**
 * The run's end for accounts it did not finish: each account under way has its regions abandoned and
 * is finished; each planned account whose steps never ran is reported as not completed; then the counts
 * are taken again from the accounts. Only when some account did not finish (a timeout, an abort, a
 * failed step): a healthy run reads nothing here.
 */
async function settleUnfinished(ctx: Ctx, runId: string) {
  for (const { account, report, finished, regions } of await ctx.runs.accountStates(runId)) {
    if (finished) continue;
    if (!report) {
      const failed = { ...account, regions: [], error: DID_NOT_COMPLETE };
      await ctx.runs.putAccountReport(runId, failed);
      await finishAccount(ctx, runId, failed);
      continue;
    }
    const abandoned = regions.map((p) =>
      p.done ? p : abandon(p, "the clean-up ended before this region did"),
    );
    for (const progress of abandoned.filter((p, i) => p !== regions[i]))
      await ctx.runs.putRegionProgress(runId, account.accountId, progress);
    await finishAccount(ctx, runId, withRegionProgress(report, abandoned));
  }
  await ctx.runs.recountSummary(runId);
}

/** Task `FinishRun`: the run's status from its counts, and `Sandbox Cleanup Completed` on the bus. */
export async function finishRun(
  ctx: Ctx,
  input: { runId?: string; error?: { Error: string; Cause?: string } },
  executionArn: string,
) {
  const runId = input.runId ?? executionName(executionArn);
  let run = await ctx.runs.getRunPage(runId, { limit: 0 });
  if (!run) throw new NotFoundError(`No clean-up run ${runId}`);
  // Run twice (a Lambda retry after a lost response): the report is announced once.
  if (run.status !== "RUNNING" && run.endedAt) return { runId, status: run.status };
  // Every planned account appears in the report, and every account in it has ended.
  if (run.summary.finished < run.summary.accounts || input.error) {
    await settleUnfinished(ctx, runId);
    run = (await ctx.runs.getRunPage(runId, { limit: 0 })) ?? run;
  }
  const { summary } = run;
  const error = input.error ? `${input.error.Error}: ${input.error.Cause ?? ""}` : undefined;
  const status = statusOf(summary, error);
  await ctx.runs.updateRun(runId, { status, endedAt: ctx.clock().toISOString(), error });
  // The worst accounts first (not cleaned at all, then the most failures); the report has them all.
  const failed = await ctx.runs.failedAccounts(runId, MAX_EVENT_FAILURES);
  const detail: SandboxCleanupCompleted = {
    runId,
    status,
    dryRun: run.dryRun,
    trigger: run.trigger,
    accounts: summary.accounts,
    refused: summary.refused,
    accountsFailed: summary.accountsFailed,
    accountsWithFailures: failed.total,
    deleted: summary.deleted,
    skipped: summary.skipped,
    failureCount: summary.failed + summary.accountsFailed,
    failures: failed.worst.map((f) => ({
      accountId: f.accountId,
      ...(f.region ? { region: f.region } : {}),
      ...(f.stack ? { stack: f.stack } : {}),
      count: f.accountFailed ? 1 : f.failed,
      reason: truncate(f.reason, MAX_EVENT_REASON),
    })),
    report: `/cleanup/runs/${runId}`,
  };
  if (!run.dryRun) {
    ctx.metrics.add(METRIC.stacksDeleted, "Count", summary.deleted);
    ctx.metrics.add(METRIC.stacksSkipped, "Count", summary.skipped);
    ctx.metrics.add(METRIC.stacksFailed, "Count", summary.failed);
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

export const RunPageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  next: z.string().min(1).max(512).optional(),
});

/** A run page's cursor as the `next` token: base64url JSON of the last account and refusal served. */
function encodeCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify({ a: cursor.account, r: cursor.refused })).toString("base64url");
}

/** The cursor a `next` token names; a token this API did not make is a 400. */
function decodeCursor(token: string): RunCursor {
  const invalid = (cause?: unknown) =>
    new MalformedRequestError("Invalid pagination token: next is not a token from a previous page", {
      cause,
    });
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (error) {
    throw invalid(error);
  }
  const position = z.union([z.literal("~"), z.string().regex(/^\d{12}$/)]).optional();
  const parsed = z.strictObject({ a: position, r: position }).safeParse(value);
  if (!parsed.success) throw invalid(parsed.error);
  return { account: parsed.data.a, refused: parsed.data.r };
}

/**
 * `GET /cleanup/runs/{id}?limit=&next=`: the run with its `summary` (always whole), and a page of its
 * `accounts` and `refused` (each up to `limit`, default 100, at most 500, in account order); `next`
 * continues both lists while either has more.
 */
export async function getCleanupRun(
  ctx: Pick<Ctx, "runs">,
  runId: string,
  query: Record<string, string | undefined> = {},
): Promise<CleanupRunView> {
  const parsed = RunPageQuerySchema.safeParse(query);
  if (!parsed.success) throw new ValidationError("Invalid query", toFieldIssues(parsed.error, "(query)"));
  const after = parsed.data.next === undefined ? undefined : decodeCursor(parsed.data.next);
  const run = isPossibleId(runId)
    ? await ctx.runs.getRunPage(runId, { limit: parsed.data.limit, after })
    : undefined;
  if (!run) throw new NotFoundError(`No clean-up run ${quoteId(runId)}`);
  // Where the run's accounts were written is the engine's business, not the report's.
  const { next, items: _items, ...page } = run;
  return next ? { ...page, next: encodeCursor(next) } : page;
}

/** `POST /cleanup/runs/{id}/retry`: runs the same clean-up again for the accounts that had failures. */
export async function retryCleanupRun(ctx: Ctx, runId: string): Promise<CleanupRunView> {
  const run = await getCleanupRun(ctx, runId, { limit: "1" });
  if (run.status === "RUNNING")
    throw new ConflictError("NOT_RETRYABLE", `Clean-up run ${runId} is still running`);
  if (run.status === "SUCCEEDED")
    throw new ConflictError("NOT_RETRYABLE", `Clean-up run ${runId} has already succeeded`);
  const attempts = (run.attempts ?? 1) + 1;
  await ctx.runs.updateRun(runId, { status: "RUNNING", attempts, endedAt: undefined, error: undefined });
  // Accounts cleaned without failure stay done; the others are cleaned again.
  const forgotten = await ctx.runs.resetFailedAccounts(runId);
  ctx.logger.info("Clean-up run retried", { runId, attempts, accountsAgain: forgotten });
  const input: CleanupInput = { runId, dryRun: run.dryRun, accounts: run.requestedAccounts };
  const { executionArn } = await ctx.workflows.start("sandbox-cleanup", `${runId}-${attempts}`, input);
  await ctx.runs.updateRun(runId, { executionArn });
  return getCleanupRun(ctx, runId);
}

/** Overall status: FAILED when nothing could be cleaned, PARTIAL when something failed. */
export function statusOf(summary: RunSummary, error?: string): Exclude<RunStatus, "RUNNING"> {
  if (error) return "FAILED";
  if (summary.accounts > 0 && summary.accountsFailed >= summary.accounts) return "FAILED";
  return summary.accountsFailed > 0 || summary.failed > 0 ? "PARTIAL" : "SUCCEEDED";
}
