import {
  CloseAccountCommand,
  DescribeAccountCommand,
  ListParentsCommand,
  MoveAccountCommand,
} from "@aws-sdk/client-organizations";
import { isAwsError, originalAwsError } from "../aws/classify";
import { launchRun } from "../cleanup/run";
import { NotFoundError, QuartermasterError, TerminalAwsError, toWorkflowError } from "../errors";
import {
  ACCOUNT_CLOSED,
  type AccountClosed,
  CLOSURE_FAILED,
  CLOSURE_WAITING,
  type ClosureFailed,
} from "../events/closures";
import { publishSafely } from "../events/publisher";
import { METRIC } from "../metrics";
import { accountState, resolveOu } from "../org/directory";
import {
  CLOSURE_STEPS,
  type ClosureRecord,
  type ClosureStep,
  type ClosureStepRecord,
} from "../store/closures";
import { taskRetry } from "../workflow/asl";
import { type ExecutionStatusChange, executionSubject } from "../workflow/execution-events";
import { closeEligibility } from "./eligibility";
import type { ClosureCtx, ClosureInput } from "./request";

type Ctx = ClosureCtx;

export const CLOSURE_TASKS = ["cleanup", "close", "move", "finish"] as const;
export type ClosureTask = (typeof CLOSURE_TASKS)[number];

/** How often a closure looks at its clean-up, and at an account in PENDING_CLOSURE. */
const CLEANUP_POLL_SECONDS = 30;
const CLOSING_POLL_SECONDS = 60;
/** A clean-up runs at most 6 hours (its state machine's timeout); a closing account turns SUSPENDED within hours. */
const CLEANUP_DEADLINE_MS = 7 * 3_600_000;
const CLOSING_DEADLINE_MS = 24 * 3_600_000;
/** AWS's close quota is counted over a rolling 30 days: past 35 days of waiting on it, the closure fails. */
const QUOTA_DEADLINE_MS = 35 * 24 * 3_600_000;

/** AWS's close-quota refusals: the closure waits and tries again; it does not fail. */
const QUOTA_REASONS = new Set(["CLOSE_ACCOUNT_QUOTA_EXCEEDED", "CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED"]);

/** What the clean-up loop and the close loop tell their Choice states. */
export interface CleanupProgress {
  done: boolean;
  waitSeconds: number;
}
export interface CloseProgress {
  phase: "closed" | "closing" | "quota";
  waitSeconds: number;
}

async function closureOf(ctx: Ctx, closureId: string): Promise<ClosureRecord> {
  const closure = await ctx.closures.get(closureId);
  if (!closure) throw new NotFoundError(`No closure ${closureId}`);
  return closure;
}

function withStep(steps: ClosureStepRecord[], step: ClosureStepRecord): ClosureStepRecord[] {
  return [...steps.filter((s) => s.name !== step.name), step];
}

function stepOf(closure: ClosureRecord, name: ClosureStep): ClosureStepRecord | undefined {
  return closure.steps.find((s) => s.name === name);
}

/**
 * Task `cleanup`: the first time, starts a real clean-up run of this one account (trigger `closure`,
 * with every protection of the engine); then, each time, reads whether it has ended. What is left in
 * the account (protected stacks, failed deletions) is listed on the closure and does not block it.
 */
export async function cleanupTask(ctx: Ctx, closureId: string): Promise<CleanupProgress> {
  const closure = await closureOf(ctx, closureId);
  const now = ctx.clock();
  if (!closure.cleanupRunId) {
    const run = await launchRun(ctx, { dryRun: false, accounts: [closure.accountId], trigger: "closure" });
    await ctx.closures.update(
      closureId,
      {
        cleanupRunId: run.runId,
        status: "CLEANING",
        steps: withStep(closure.steps, { name: "cleanup", status: "RUNNING", startedAt: now.toISOString() }),
      },
      now.toISOString(),
    );
    return { done: false, waitSeconds: CLEANUP_POLL_SECONDS };
  }
  const run = await ctx.runs.getRun(closure.cleanupRunId);
  const started = Date.parse(stepOf(closure, "cleanup")?.startedAt ?? closure.createdAt);
  // A run whose execution no longer exists (local mode restarted under it) will never end: run it again.
  if (run?.status === "RUNNING" && run.executionArn && !(await ctx.workflows.describe(run.executionArn))) {
    const again = await launchRun(ctx, { dryRun: false, accounts: [closure.accountId], trigger: "closure" });
    await ctx.closures.update(closureId, { cleanupRunId: again.runId }, now.toISOString());
    return { done: false, waitSeconds: CLEANUP_POLL_SECONDS };
  }
  if (!run || run.status === "RUNNING") {
    if (now.getTime() - started > CLEANUP_DEADLINE_MS)
      throw new TerminalAwsError(
        "CLEANUP_TIMEOUT",
        `The clean-up run ${closure.cleanupRunId} did not end in time`,
      );
    if (closure.status !== "CLEANING")
      await ctx.closures.update(closureId, { status: "CLEANING" }, now.toISOString());
    return { done: false, waitSeconds: CLEANUP_POLL_SECONDS };
  }
  const report = run.accounts.find((a) => a.accountId === closure.accountId);
  const remaining = [
    ...run.refused
      .filter((r) => r.accountId === closure.accountId)
      .map((r) => ({ region: "-", stack: "-", reason: r.reason })),
    ...(report?.error ? [{ region: "-", stack: "-", reason: report.error }] : []),
    ...(report?.regions ?? []).flatMap((r) => [
      ...r.skipped.map((s) => ({ region: r.region, stack: s.stack, reason: s.reason })),
      ...r.failed.map((f) => ({ region: r.region, stack: f.stack, reason: `not deleted: ${f.reason}` })),
      ...(r.error ? [{ region: r.region, stack: "-", reason: r.error }] : []),
    ]),
  ];
  const step = stepOf(closure, "cleanup");
  await ctx.closures.update(
    closureId,
    {
      remaining,
      steps: withStep(closure.steps, {
        name: "cleanup",
        status: "SUCCEEDED",
        startedAt: step?.startedAt ?? now.toISOString(),
        endedAt: now.toISOString(),
        ...(run.status !== "SUCCEEDED"
          ? { error: `clean-up ended ${run.status}; see run ${run.runId}` }
          : {}),
      }),
    },
    now.toISOString(),
  );
  return { done: true, waitSeconds: 0 };
}

/**
 * Task `close`: converges on a SUSPENDED account. It checks again that the account may be closed (the
 * account may have moved since the request), then: SUSPENDED is done; PENDING_CLOSURE waits; ACTIVE
 * gets `CloseAccount`. AWS's close quota makes the closure wait (WAITING_QUOTA) and try again; any
 * other refusal fails it with AWS's reason.
 */
export async function closeTask(ctx: Ctx, closureId: string): Promise<CloseProgress> {
  const closure = await closureOf(ctx, closureId);
  const now = ctx.clock();
  const at = now.toISOString();
  const step = stepOf(closure, "close") ?? {
    name: "close" as const,
    status: "RUNNING" as const,
    startedAt: at,
  };
  const { account, refusal } = await closeEligibility(ctx, closure.accountId);
  if (refusal && refusal.kind !== "not-active") throw new TerminalAwsError("NOT_CLOSABLE", refusal.message);
  const state = account?.state ?? "UNKNOWN";
  if (state === "SUSPENDED") {
    await ctx.closures.update(
      closureId,
      {
        status: "CLOSING",
        retryAt: undefined,
        steps: withStep(closure.steps, { ...step, status: "SUCCEEDED", endedAt: at }),
      },
      at,
    );
    return { phase: "closed", waitSeconds: 0 };
  }
  if (state === "PENDING_CLOSURE") {
    if (now.getTime() - Date.parse(step.startedAt) > CLOSING_DEADLINE_MS)
      throw new TerminalAwsError(
        "CLOSE_TIMEOUT",
        `Account ${closure.accountId} stayed PENDING_CLOSURE for a day`,
      );
    await ctx.closures.update(closureId, { status: "CLOSING", steps: withStep(closure.steps, step) }, at);
    return { phase: "closing", waitSeconds: CLOSING_POLL_SECONDS };
  }
  if (state !== "ACTIVE")
    throw new TerminalAwsError("ACCOUNT_NOT_ACTIVE", `Account ${closure.accountId} is ${state}`);
  try {
    await ctx.clients.organizations.send(new CloseAccountCommand({ AccountId: closure.accountId }));
  } catch (error) {
    if (isAwsError(error, "AccountAlreadyClosedException")) return { phase: "closing", waitSeconds: 1 };
    const reason = originalAwsError(error).Reason;
    if (isAwsError(error, "ConstraintViolationException") && reason && QUOTA_REASONS.has(reason)) {
      if (now.getTime() - Date.parse(step.startedAt) > QUOTA_DEADLINE_MS)
        throw new TerminalAwsError(
          reason,
          `AWS's close quota refused account ${closure.accountId} for 35 days`,
          {
            cause: error,
          },
        );
      const waitSeconds = ctx.config.leases.quotaRetryHours * 3600;
      const retryAt = new Date(now.getTime() + waitSeconds * 1000).toISOString();
      await ctx.closures.update(
        closureId,
        {
          status: "WAITING_QUOTA",
          retryAt,
          steps: withStep(closure.steps, { ...step, status: "WAITING", error: reason }),
        },
        at,
      );
      ctx.logger.warn("CloseAccount refused by AWS's close quota; the closure waits", {
        closureId,
        reason,
        retryAt,
      });
      // Announced when the closure starts waiting, not at every retry of a long wait.
      if (closure.status !== "WAITING_QUOTA")
        await publishSafely(ctx, CLOSURE_WAITING, {
          closureId,
          accountId: closure.accountId,
          accountName: closure.accountName,
          retryAt,
          reason,
        });
      return { phase: "quota", waitSeconds };
    }
    if (isAwsError(error, "ConstraintViolationException") && reason)
      throw new TerminalAwsError(reason, `AWS refused to close account ${closure.accountId}: ${reason}`, {
        cause: error,
      });
    throw error;
  }
  ctx.logger.info("CloseAccount accepted", { closureId, accountId: closure.accountId });
  await ctx.closures.update(
    closureId,
    {
      status: "CLOSING",
      retryAt: undefined,
      steps: withStep(closure.steps, { ...step, status: "RUNNING", error: undefined }),
    },
    at,
  );
  return { phase: "closing", waitSeconds: CLOSING_POLL_SECONDS };
}

/** Task `move`: the closed account into the closed OU (`leases.closedOu`); already there is a no-op. */
export async function moveTask(ctx: Ctx, closureId: string): Promise<{ ouPath: string }> {
  const closure = await closureOf(ctx, closureId);
  const at = ctx.clock().toISOString();
  const target = await resolveOu(ctx, ctx.config.leases.closedOu);
  if (!target)
    throw new TerminalAwsError(
      "CLOSED_OU_MISSING",
      `The closed OU "${ctx.config.leases.closedOu}" (leases.closedOu) does not exist; create it, then retry the closure`,
    );
  const parents = await ctx.clients.organizations.send(
    new ListParentsCommand({ ChildId: closure.accountId }),
  );
  const parent = parents.Parents?.[0]?.Id;
  if (parent && parent !== target.id) {
    await ctx.clients.organizations.send(
      new MoveAccountCommand({
        AccountId: closure.accountId,
        SourceParentId: parent,
        DestinationParentId: target.id,
      }),
    );
  }
  await ctx.closures.update(
    closureId,
    {
      closedOuPath: target.path,
      steps: withStep(closure.steps, { name: "move", status: "SUCCEEDED", startedAt: at, endedAt: at }),
    },
    at,
  );
  return { ouPath: target.path };
}

/** Task `finish`: CLOSED, the lease (if one ended) CLOSED, and `Account Closed` announced once. */
export async function finishTask(ctx: Ctx, closureId: string): Promise<{ status: "CLOSED" }> {
  const closure = await closureOf(ctx, closureId);
  if (closure.status === "CLOSED") return { status: "CLOSED" };
  const at = ctx.clock().toISOString();
  // The account is really closed: read it once more, so CLOSED is never said of an ACTIVE account.
  const described = await ctx.clients.organizations.send(
    new DescribeAccountCommand({ AccountId: closure.accountId }),
  );
  const state = accountState(described.Account ?? {});
  if (state !== "SUSPENDED" && state !== "PENDING_CLOSURE")
    throw new TerminalAwsError(
      "ACCOUNT_NOT_CLOSED",
      `Account ${closure.accountId} is ${state} after the closure`,
    );
  await ctx.closures.update(
    closureId,
    {
      status: "CLOSED",
      closedAt: at,
      error: undefined,
      steps: withStep(closure.steps, { name: "announce", status: "SUCCEEDED", startedAt: at, endedAt: at }),
    },
    at,
  );
  if (closure.requestId) {
    const request = await ctx.store.get(closure.requestId);
    if (request?.lease)
      await ctx.store.setLease(request.requestId, { ...request.lease, status: "CLOSED", closureId }, at);
  }
  const detail: AccountClosed = {
    closureId,
    accountId: closure.accountId,
    accountName: closure.accountName,
    trigger: closure.trigger,
    ...(closure.reason ? { reason: closure.reason } : {}),
    closedOuPath: closure.closedOuPath ?? ctx.config.leases.closedOu,
    remaining: closure.remaining ?? [],
    ...(closure.requestId ? { requestId: closure.requestId } : {}),
  };
  ctx.metrics.add(METRIC.accountsClosed, "Count", 1, { Trigger: closure.trigger });
  await publishSafely(ctx, ACCOUNT_CLOSED, detail);
  return { status: "CLOSED" };
}

/** Records a closure FAILED (step, code, message) and announces it; a closure already CLOSED is left alone. */
export async function recordClosureFailure(
  ctx: Ctx,
  closureId: string,
  failure: { step: string; code: string; message: string },
): Promise<boolean> {
  const closure = await ctx.closures.get(closureId);
  if (!closure || closure.status === "CLOSED" || closure.status === "FAILED") return false;
  const at = ctx.clock().toISOString();
  const stepName = CLOSURE_STEPS.find((s) => s === failure.step);
  const current = stepName ? stepOf(closure, stepName) : undefined;
  await ctx.closures.update(
    closureId,
    {
      status: "FAILED",
      error: failure,
      retryAt: undefined,
      ...(stepName
        ? {
            steps: withStep(closure.steps, {
              name: stepName,
              status: "FAILED",
              startedAt: current?.startedAt ?? at,
              endedAt: at,
              error: `${failure.code}: ${failure.message}`,
            }),
          }
        : {}),
    },
    at,
  );
  const detail: ClosureFailed = {
    closureId,
    accountId: closure.accountId,
    accountName: closure.accountName,
    ...failure,
  };
  ctx.metrics.add(METRIC.closuresFailed, "Count", 1, { Step: failure.step });
  await publishSafely(ctx, CLOSURE_FAILED, detail);
  return true;
}

/** Errors every closure Task retries (see `taskRetry`): those are not the end of the closure yet. */
const CLOSURE_RETRIED: ReadonlySet<string> = new Set(taskRetry().flatMap((r) => r.ErrorEquals as string[]));

const TASK_STEP: Record<ClosureTask, ClosureStep> = {
  cleanup: "cleanup",
  close: "close",
  move: "move",
  finish: "announce",
};

/**
 * Runs one account-closure task. An error the state machine will not retry ends the closure here, so it
 * is recorded FAILED (and announced) before it is thrown on; retried errors that run out of attempts are
 * recorded by the execution monitor.
 */
export async function runClosureTask(ctx: Ctx, task: ClosureTask, input: ClosureInput): Promise<unknown> {
  try {
    switch (task) {
      case "cleanup":
        return await cleanupTask(ctx, input.closureId);
      case "close":
        return await closeTask(ctx, input.closureId);
      case "move":
        return await moveTask(ctx, input.closureId);
      case "finish":
        return await finishTask(ctx, input.closureId);
    }
  } catch (error) {
    ctx.logger.warn("Closure task failed", { error });
    const thrown = toWorkflowError(error);
    if (!CLOSURE_RETRIED.has(thrown.name)) {
      await recordClosureFailure(ctx, input.closureId, {
        step: TASK_STEP[task],
        code: error instanceof QuartermasterError ? error.code : thrown.name,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    throw thrown;
  }
}

/**
 * The execution monitor's part for `account-closure`: a closure whose execution ended FAILED, TIMED_OUT
 * or ABORTED without a task recording it (retries exhausted, a timeout) is recorded FAILED here, once.
 */
export async function recordClosureExecutionFailure(
  ctx: Ctx,
  change: ExecutionStatusChange,
): Promise<boolean> {
  if (!change.stateMachineArn.endsWith("account-closure")) return false;
  const subject = executionSubject(change, "closureId", ctx.logger);
  const closure = await ctx.closures.get(subject.id ?? subject.name);
  if (!closure) return false;
  const step: ClosureStep =
    closure.status === "PENDING" || closure.status === "CLEANING"
      ? "cleanup"
      : (closure.steps.find((s) => s.status === "RUNNING" || s.status === "WAITING")?.name ?? "close");
  return recordClosureFailure(ctx, closure.closureId, {
    step,
    code: change.error ?? `States.${change.status}`,
    message: change.cause ?? `the execution ended ${change.status}`,
  });
}
