import { randomBytes } from "node:crypto";
import * as z from "zod";
import { isAwsError } from "../aws/classify";
import { submitPlan } from "../baseline/run";
import type { CoreContext } from "../context";
import { MalformedRequestError, NotFoundError, ValidationError } from "../errors";
import { DRIFT_DETECTED, type DriftDetected, MAX_EVENT_DRIFTED } from "../events/drift";
import { publishSafely } from "../events/publisher";
import { type FanoutItems, writeFanoutItems } from "../fanout/items";
import { accountState, identityCenter, listAccounts } from "../org/directory";
import type { Change, PlanSummary } from "../store/baseline-plans";
import type { DriftCheck, DriftExcluded } from "../store/drift-checks";
import { vendedAccounts } from "../store/vended-accounts";
import { findForbiddenKeys, isPossibleId, quoteId, toFieldIssues } from "../validation";
import { baselineGrants } from "../vending/submit";
import { type ExecutionStatusChange, executionName } from "../workflow/execution-events";
import { type ExpectedAccount, expectedAccount, findings } from "./compare";
import { observeAccount } from "./observe";

export type DriftCtx = Pick<
  CoreContext,
  | "clients"
  | "config"
  | "retry"
  | "logger"
  | "clock"
  | "store"
  | "closures"
  | "baselines"
  | "drift"
  | "workflows"
  | "events"
  | "resources"
  | "metrics"
  | "fingerprints"
>;

/** Where a check's and a repair's items live in the items bucket: `fanout/drift/`. */
export const DRIFT_FANOUT = "drift";
/** How long a check waits for its baseline plan before it reports the baseline unread. */
export const BASELINE_WAIT_MINUTES = 60;
/** How many of the baseline plan's changes the report shows (the plan has them all, paged). */
export const REPORT_BASELINE_CHANGES = 100;

export const checkLink = (id: string) => `/drift/checks/${encodeURIComponent(id)}`;

function newCheckId(now: Date): string {
  return `drc-${now.getTime().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/** One account a check compares: its request and what the request asked for. */
export interface CheckItem {
  accountId: string;
  requestId: string;
  accountName: string;
  instanceArn: string;
  expected: ExpectedAccount;
}

/** `POST /drift/checks`: takes `{}` or nothing; records the check and starts its workflow. */
export async function startDriftCheck(
  ctx: DriftCtx,
  body: unknown,
  requestedBy?: string,
): Promise<DriftCheck> {
  const forbidden = findForbiddenKeys(body);
  const parsed = z.strictObject({}).safeParse(body);
  if (!parsed.success || forbidden.length)
    throw new ValidationError("A drift check takes no fields", [
      ...forbidden,
      ...(parsed.success ? [] : toFieldIssues(parsed.error)),
    ]);
  const now = ctx.clock();
  const check = await ctx.drift.createCheck({
    checkId: newCheckId(now),
    status: "RUNNING",
    trigger: "api",
    ...(requestedBy ? { requestedBy } : {}),
    startedAt: now.toISOString(),
  });
  try {
    const { executionArn } = await ctx.workflows.start("drift", check.checkId, {
      action: "check",
      checkId: check.checkId,
    });
    await ctx.drift.updateCheck(check.checkId, { executionArn });
    return { ...check, executionArn };
  } catch (error) {
    await ctx.drift.updateCheck(check.checkId, {
      status: "FAILED",
      error: { code: "NOT_STARTED", message: "The check's workflow could not be started" },
      endedAt: ctx.clock().toISOString(),
    });
    throw error;
  }
}

/** Why an account a request vended is not compared, from what ListAccounts says of it. */
function organisationReason(state: string | undefined): string | undefined {
  if (state === undefined) return "no longer in the organisation";
  if (state !== "ACTIVE") return `not ACTIVE (${state}): closed outside Quartermaster`;
  return undefined;
}

/**
 * Task `StartCheck`: every account a SUCCEEDED request vended, with what its request asked for (and
 * the standing assignments of the last applied baseline for its OU), goes to the items bucket; those
 * Quartermaster closed or is closing, whose lease is ending, or that AWS no longer has ACTIVE, are
 * recorded as excluded. The baseline's plan starts (the same comparison as `POST /baseline/plans`).
 * One ListAccounts listing (20 accounts a page) reads every account's state.
 */
export async function startCheck(
  ctx: DriftCtx,
  input: { checkId?: string },
  executionArn: string,
): Promise<{ checkId: string; items: FanoutItems }> {
  const checkId = input.checkId ?? executionName(executionArn);
  let check = await ctx.drift.createCheck({
    checkId,
    status: "RUNNING",
    trigger: input.checkId ? "api" : "schedule",
    executionArn,
    startedAt: ctx.clock().toISOString(),
  });
  if (!check.executionArn) await ctx.drift.updateCheck(checkId, { executionArn });
  const states = new Map((await listAccounts(ctx)).map((a) => [a.Id, accountState(a)]));
  const ic = await identityCenter(ctx);
  const items: CheckItem[] = [];
  const excluded: DriftExcluded[] = [];
  for await (const page of vendedAccounts(ctx)) {
    for (const { accountId, record, excluded: why } of page) {
      const reason = why ?? organisationReason(states.get(accountId));
      if (reason) {
        excluded.push({ accountId, requestId: record.requestId, reason });
        continue;
      }
      const expected = expectedAccount({ ...record, accountId }, ctx.config, ctx.resources.budgetTopicArn);
      // The last applied baseline's standing assignments for the account's OU, beyond the request's own.
      for (const grant of await baselineGrants(ctx, ic, record.resolved.ouPath, record.resolved.access))
        for (const ps of grant.permissionSets)
          expected.assignments.push({
            group: grant.group,
            groupId: grant.groupId,
            permissionSet: ps.name,
            permissionSetArn: ps.arn,
          });
      items.push({
        accountId,
        requestId: record.requestId,
        accountName: record.request.name,
        instanceArn: record.resolved.instanceArn,
        expected,
      });
    }
  }
  await ctx.drift.putExcluded(checkId, excluded);
  const written = await writeFanoutItems(ctx, DRIFT_FANOUT, `${checkId}/accounts`, items);
  check = (await ctx.drift.getCheck(checkId)) ?? check;
  const baseline = check.baseline ?? (await startBaselinePlan(ctx, checkId));
  await ctx.drift.updateCheck(checkId, { total: items.length, excludedAtStart: excluded.length, baseline });
  ctx.logger.info("Drift check started", {
    checkId,
    executionArn,
    accounts: items.length,
    excluded: excluded.length,
    baselinePlanId: baseline.planId,
  });
  return { checkId, items: written };
}

/** The baseline's part of a check: a plan of the last applied document (no prune); none when none was applied. */
async function startBaselinePlan(
  ctx: DriftCtx,
  checkId: string,
): Promise<NonNullable<DriftCheck["baseline"]>> {
  const current = await ctx.baselines.current();
  if (!current) return {};
  try {
    const plan = await submitPlan(ctx, { baseline: current.baseline, prune: false }, `drift ${checkId}`);
    return { planId: plan.planId, appliedPlanId: current.planId };
  } catch (error) {
    // The accounts are still checked: the report says why the baseline was not.
    ctx.logger.warn("The drift check could not plan the baseline", { checkId, error });
    return {
      appliedPlanId: current.planId,
      error: { code: "PLAN_NOT_STARTED", message: (error as Error).message.slice(0, 500) },
    };
  }
}

/** What could not be read of an account, as its result: the check goes on with the others. */
function unreadable(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `could not be checked: ${e.name ?? "Error"}: ${(e.message ?? String(error)).slice(0, 300)}`;
}

/**
 * Task `CheckAccount` (one child per account): reads what AWS holds for the account, compares it with
 * its request, and records the account drifted (with its findings), clean, or excluded: an account
 * found in the closed OU is not drift, nor one AWS no longer has.
 */
export async function checkAccount(ctx: DriftCtx, checkId: string, item: CheckItem): Promise<void> {
  const { accountId, requestId, accountName } = item;
  const exclude = (reason: string) =>
    ctx.drift.putResult(checkId, { outcome: "excluded", excluded: { accountId, requestId, reason } });
  let observed: Awaited<ReturnType<typeof observeAccount>>;
  try {
    observed = await observeAccount(ctx, item.expected, item.instanceArn);
  } catch (error) {
    if (isAwsError(error, "AccountNotFoundException") || isAwsError(error, "ChildNotFoundException"))
      return exclude("no longer in the organisation");
    ctx.logger.warn("Drift check could not read an account", { checkId, accountId, error });
    return exclude(unreadable(error));
  }
  const closedOu = ctx.config.leases.closedOu;
  if (closedOu && observed.ouPath === closedOu) return exclude(`in the closed OU (${closedOu})`);
  const found = findings(item.expected, observed);
  if (found.length === 0) return ctx.drift.putResult(checkId, { outcome: "clean", accountId });
  ctx.logger.info("Drift found", { checkId, accountId, findings: found.length });
  await ctx.drift.putResult(checkId, {
    outcome: "drifted",
    account: { accountId, requestId, accountName, findings: found },
  });
}

/** Task `AwaitBaseline`: done once the check's baseline plan is no longer PLANNING (or waited too long). */
export async function awaitBaseline(
  ctx: DriftCtx,
  checkId: string,
): Promise<{ done: boolean; waitSeconds: number }> {
  const check = await loadCheck(ctx, checkId);
  const planId = check.baseline?.planId;
  if (!planId) return { done: true, waitSeconds: 0 };
  const plan = await ctx.baselines.get(planId);
  const waited = ctx.clock().getTime() - Date.parse(check.startedAt);
  if (plan?.status === "PLANNING" && waited < BASELINE_WAIT_MINUTES * 60_000)
    return { done: false, waitSeconds: 15 };
  return { done: true, waitSeconds: 0 };
}

function errorOf(error: { Error: string; Cause?: string }): { code: string; message: string } {
  let message = error.Cause ?? error.Error;
  try {
    message = (JSON.parse(error.Cause ?? "") as { errorMessage?: string }).errorMessage ?? message;
  } catch {
    // Step Functions' own errors carry a plain-text cause: it is the message.
  }
  return { code: error.Error, message: message.slice(0, 1000) };
}

const changed = (summary: PlanSummary | undefined) =>
  summary ? summary.create + summary.update + summary.delete : 0;

/** The baseline's part of the report, from its plan as it is now. */
async function baselinePart(ctx: Pick<DriftCtx, "baselines">, check: DriftCheck) {
  const planId = check.baseline?.planId;
  const plan = planId ? await ctx.baselines.get(planId) : undefined;
  if (!planId || !plan)
    return {
      status: check.baseline?.error ? "FAILED" : "NO_BASELINE",
      summary: null,
      changes: [] as Change[],
      ...(check.baseline?.error ? { error: check.baseline.error } : {}),
    };
  const changes =
    plan.status === "PLANNING" || plan.total === undefined
      ? []
      : (await ctx.baselines.changes(planId, { from: 0, limit: REPORT_BASELINE_CHANGES })).changes;
  return {
    planId,
    status: plan.status,
    summary: plan.summary ?? null,
    changes,
    ...(plan.error ? { error: { code: plan.error.code, message: plan.error.message } } : {}),
    links: { plan: `/baseline/plans/${encodeURIComponent(planId)}` },
  };
}

/**
 * Task `FinishCheck`: the check's counts and status, its baseline part, and one `Drift Detected`
 * event when something drifted (none when nothing did). Run twice, it announces once.
 */
export async function finishCheck(
  ctx: DriftCtx,
  input: { checkId?: string; check?: { checkId: string }; error?: { Error: string; Cause?: string } },
  executionArn: string,
): Promise<{ status: DriftCheck["status"] }> {
  const checkId = input.checkId ?? input.check?.checkId ?? executionName(executionArn);
  const check = await ctx.drift.getCheck(checkId);
  if (!check) throw new NotFoundError(`No drift check ${checkId}`);
  if (check.status !== "RUNNING") return { status: check.status };
  const counts = await ctx.drift.counts(checkId);
  const summary = {
    checked: counts.drifted + counts.clean,
    drifted: counts.drifted,
    excluded: counts.excluded,
  };
  const reported = summary.checked + summary.excluded;
  const expected = (check.total ?? 0) + (check.excludedAtStart ?? 0);
  const error = input.error
    ? errorOf(input.error)
    : reported < expected
      ? { code: "ACCOUNTS_UNCHECKED", message: `${expected - reported} account(s) did not report` }
      : undefined;
  const plan = check.baseline?.planId ? await ctx.baselines.get(check.baseline.planId) : undefined;
  const baseline = {
    ...check.baseline,
    ...(plan?.summary ? { summary: plan.summary } : {}),
    ...(plan?.status === "PLANNING"
      ? { error: { code: "BASELINE_UNREAD", message: "The baseline's plan did not finish in time" } }
      : plan?.error
        ? { error: { code: plan.error.code, message: plan.error.message } }
        : {}),
  };
  const status = error ? "FAILED" : "SUCCEEDED";
  await ctx.drift.updateCheck(checkId, {
    status,
    summary,
    baseline,
    endedAt: ctx.clock().toISOString(),
    ...(error ? { error } : {}),
  });
  ctx.logger.info("Drift check ended", { checkId, status, ...summary });
  if (summary.drifted > 0 || changed(plan?.summary) > 0) await announce(ctx, checkId, summary, plan);
  return { status };
}

async function announce(
  ctx: DriftCtx,
  checkId: string,
  summary: { checked: number; drifted: number; excluded: number },
  plan: { planId: string; summary?: PlanSummary } | undefined,
) {
  const first = await ctx.drift.page(checkId, { limit: MAX_EVENT_DRIFTED });
  const detail: DriftDetected = {
    checkId,
    ...summary,
    baselineChanges: changed(plan?.summary),
    ...(plan ? { baselinePlanId: plan.planId } : {}),
    accounts: first.accounts.map((a) => ({
      accountId: a.accountId,
      accountName: a.accountName,
      kinds: [...new Set(a.findings.map((f) => f.kind))],
      findings: a.findings.length,
    })),
    report: checkLink(checkId),
  };
  await publishSafely(ctx, DRIFT_DETECTED, detail);
}

export async function loadCheck(ctx: Pick<DriftCtx, "drift">, checkId: string): Promise<DriftCheck> {
  const check = isPossibleId(checkId) ? await ctx.drift.getCheck(checkId) : undefined;
  if (!check) throw new NotFoundError(`No drift check ${quoteId(checkId)}`);
  return check;
}

export const CheckPageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  next: z.string().min(1).max(64).optional(),
});

function decodeNext(token: string): string {
  const invalid = new MalformedRequestError(
    "Invalid pagination token: next is not a token from a previous page",
  );
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid;
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!/^[DE]#\d{12}$/.test(text)) throw invalid;
  return text;
}

/**
 * `GET /drift/checks/{id}?limit=&next=`: the check, its counts (live while it runs), a page of its
 * drifted accounts then its excluded ones, and its baseline part (the first changes of its plan).
 */
export async function getDriftCheck(
  ctx: Pick<DriftCtx, "drift" | "baselines">,
  checkId: string,
  query: Record<string, string | undefined> = {},
) {
  const parsed = CheckPageQuerySchema.safeParse(query);
  if (!parsed.success) throw new ValidationError("Invalid query", toFieldIssues(parsed.error, "(query)"));
  const after = parsed.data.next === undefined ? undefined : decodeNext(parsed.data.next);
  const check = await loadCheck(ctx, checkId);
  const page = await ctx.drift.page(check.checkId, { after, limit: parsed.data.limit });
  const counts = check.summary ? undefined : await ctx.drift.counts(check.checkId);
  const summary = check.summary ?? {
    checked: (counts?.drifted ?? 0) + (counts?.clean ?? 0),
    drifted: counts?.drifted ?? 0,
    excluded: counts?.excluded ?? 0,
  };
  return {
    checkId: check.checkId,
    status: check.status,
    trigger: check.trigger,
    startedAt: check.startedAt,
    endedAt: check.endedAt ?? null,
    summary,
    accounts: page.accounts,
    excluded: page.excluded,
    baseline: await baselinePart(ctx, check),
    ...(check.error ? { error: check.error } : {}),
    ...(check.executionArn ? { executionArn: check.executionArn } : {}),
    ...(page.next ? { next: Buffer.from(page.next).toString("base64url") } : {}),
    links: { self: checkLink(check.checkId) },
  };
}

/**
 * The execution monitor's part for `drift`: a check whose execution ended FAILED, TIMED_OUT or
 * ABORTED before FinishCheck ran is ended FAILED with the execution's error. False when nothing changed.
 */
export async function recordCheckExecutionFailure(
  ctx: DriftCtx,
  change: ExecutionStatusChange,
  checkId: string,
): Promise<boolean> {
  const check = await ctx.drift.getCheck(checkId);
  if (check?.status !== "RUNNING") return false;
  const error = {
    Error: change.error ?? `States.${change.status}`,
    Cause: change.cause ?? `ended ${change.status}`,
  };
  return (await finishCheck(ctx, { checkId, error }, change.executionArn)).status === "FAILED";
}
