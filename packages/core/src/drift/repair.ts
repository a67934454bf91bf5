import { randomBytes } from "node:crypto";
import { DescribeAccountCommand, ListParentsCommand } from "@aws-sdk/client-organizations";
import * as z from "zod";
import { isAwsError } from "../aws/classify";
import { convergeBudget } from "../budgets/converge";
import { budgetSpec } from "../budgets/spec";
import { closureIdOf } from "../closures/request";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { type FanoutItems, writeFanoutItems } from "../fanout/items";
import { accountState, identityCenter, ouPathOf } from "../org/directory";
import type { DriftRepair, RepairOutcome } from "../store/drift-checks";
import type { VendRequestRecord } from "../store/requests/record";
import { closureReason, leaseReason } from "../store/vended-accounts";
import { findForbiddenKeys, isPossibleId, quoteId, toFieldIssues } from "../validation";
import { assignmentsInProgress } from "../vending/await-grants";
import { REQUEST_TAG } from "../vending/create";
import { assignMissing } from "../vending/grant";
import { moveAccount } from "../vending/place";
import { baselineGrants } from "../vending/submit";
import { convergeTags } from "../vending/tag";
import { type ExecutionStatusChange, executionName, executionSubject } from "../workflow/execution-events";
import { DRIFT_FANOUT, type DriftCtx, loadCheck, recordCheckExecutionFailure } from "./check";

export const repairLink = (id: string) => `/drift/repairs/${encodeURIComponent(id)}`;

/** How long a repaired account's new assignments are awaited before the repair moves on. */
export const ASSIGNMENT_WAIT_MS = 120_000;

export const RepairRequestSchema = z.strictObject({
  accounts: z
    .array(z.string().regex(/^\d{12}$/, "must be a 12-digit account id"))
    .min(1)
    .max(1000)
    .optional(),
});

function newRepairId(now: Date): string {
  return `drr-${now.getTime().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/**
 * `POST /drift/checks/{id}/repair` (`{"accounts": [...]}` optional): records the repair of the check's
 * drifted accounts (or those named) and starts its workflow. A running check is not repaired (409).
 */
export async function startDriftRepair(
  ctx: DriftCtx,
  checkId: string,
  body: unknown,
  requestedBy?: string,
): Promise<DriftRepair> {
  const forbidden = findForbiddenKeys(body);
  const parsed = RepairRequestSchema.safeParse(body);
  if (!parsed.success || forbidden.length)
    throw new ValidationError("The repair request is invalid", [
      ...forbidden,
      ...(parsed.success ? [] : toFieldIssues(parsed.error)),
    ]);
  const check = await loadCheck(ctx, checkId);
  if (check.status === "RUNNING")
    throw new ConflictError(
      "CHECK_RUNNING",
      `Drift check ${check.checkId} is still running: repair it once it ends`,
    );
  const now = ctx.clock();
  const repair = await ctx.drift.createRepair({
    repairId: newRepairId(now),
    checkId: check.checkId,
    status: "RUNNING",
    ...(parsed.data.accounts ? { requestedAccounts: [...new Set(parsed.data.accounts)] } : {}),
    ...(requestedBy ? { requestedBy } : {}),
    startedAt: now.toISOString(),
  });
  try {
    const { executionArn } = await ctx.workflows.start("drift", repair.repairId, {
      action: "repair",
      repairId: repair.repairId,
    });
    await ctx.drift.updateRepair(repair.repairId, { executionArn });
    ctx.logger.info("Drift repair started", { repairId: repair.repairId, checkId, executionArn });
    return { ...repair, executionArn };
  } catch (error) {
    await ctx.drift.updateRepair(repair.repairId, {
      status: "FAILED",
      error: { code: "NOT_STARTED", message: "The repair's workflow could not be started" },
      endedAt: ctx.clock().toISOString(),
    });
    throw error;
  }
}

async function loadRepair(ctx: Pick<DriftCtx, "drift">, repairId: string): Promise<DriftRepair> {
  const repair = isPossibleId(repairId) ? await ctx.drift.getRepair(repairId) : undefined;
  if (!repair) throw new NotFoundError(`No drift repair ${quoteId(repairId)}`);
  return repair;
}

/** One account a repair converges. */
export interface RepairItem {
  accountId: string;
  requestId: string;
}

/**
 * Task `StartRepair`: the check's drifted accounts (those named, if any) go to the items bucket; a
 * named account the check did not find drifted is skipped with the reason (excluded, or not drifted).
 */
export async function startRepair(
  ctx: DriftCtx,
  repairId: string,
): Promise<{ repairId: string; items: FanoutItems }> {
  const repair = await loadRepair(ctx, repairId);
  const wanted = repair.requestedAccounts ? new Set(repair.requestedAccounts) : undefined;
  const items: RepairItem[] = [];
  const excluded = new Map<string, string>();
  let after: string | undefined;
  do {
    const page = await ctx.drift.page(repair.checkId, { after, limit: 1000 });
    for (const a of page.accounts)
      if (!wanted || wanted.has(a.accountId)) items.push({ accountId: a.accountId, requestId: a.requestId });
    for (const e of page.excluded) excluded.set(e.accountId, e.reason);
    after = page.next;
  } while (after);
  const listed = new Set(items.map((i) => i.accountId));
  for (const accountId of wanted ?? []) {
    if (listed.has(accountId)) continue;
    const why = excluded.get(accountId);
    await ctx.drift.putRepairOutcome(repairId, {
      accountId,
      outcome: "skipped",
      reason: why ? `excluded by check ${repair.checkId}: ${why}` : `not drifted in check ${repair.checkId}`,
    });
  }
  const written = await writeFanoutItems(ctx, DRIFT_FANOUT, `${repairId}/accounts`, items);
  await ctx.drift.updateRepair(repairId, { total: items.length });
  return { repairId, items: written };
}

/**
 * Why an account must not be touched, if it must not: its request is not a SUCCEEDED request that
 * vended it, Quartermaster closed it or is closing it, its lease is ending or ended, AWS does not
 * have it ACTIVE, or it sits in the closed OU. Read fresh, at the moment of the repair.
 */
async function refusal(
  ctx: DriftCtx,
  item: RepairItem,
): Promise<{ reason: string } | { record: VendRequestRecord; parentId: string }> {
  const record = await ctx.store.get(item.requestId);
  if (record?.status !== "SUCCEEDED" || record.accountId !== item.accountId)
    return { reason: "not vended by a Quartermaster request" };
  const closure = await ctx.closures.get(closureIdOf(item.accountId));
  const out = closure ? closureReason(closure) : leaseReason(record);
  if (out) return { reason: out };
  let state: string;
  try {
    const out = await ctx.clients.organizations.send(
      new DescribeAccountCommand({ AccountId: item.accountId }),
    );
    state = accountState(out.Account ?? {});
  } catch (error) {
    if (isAwsError(error, "AccountNotFoundException")) return { reason: "not in the organisation" };
    throw error;
  }
  if (state !== "ACTIVE") return { reason: `not ACTIVE (${state})` };
  const parents = await ctx.clients.organizations.send(new ListParentsCommand({ ChildId: item.accountId }));
  const parentId = parents.Parents?.[0]?.Id ?? "";
  const closedOu = ctx.config.leases.closedOu;
  if (closedOu && parentId !== record.resolved.ouId && parentId.startsWith("ou-")) {
    if ((await ouPathOf(ctx, parentId)) === closedOu) return { reason: `in the closed OU (${closedOu})` };
  }
  return { record, parentId };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Awaits assignment creations for up to `waitMs`; the ids still in progress then. */
async function awaitAssignments(
  ctx: DriftCtx,
  instanceArn: string,
  pending: string[],
  options: { waitMs: number; pollMs: number },
): Promise<string[]> {
  const started = Date.now();
  let remaining = await assignmentsInProgress(ctx, instanceArn, pending);
  while (remaining.length > 0 && Date.now() - started <= options.waitMs) {
    await sleep(options.pollMs);
    remaining = await assignmentsInProgress(ctx, instanceArn, remaining);
  }
  return remaining;
}

/**
 * Converges one account to its request with the vend's own stages' code, in the vend's order: place
 * (MoveAccount back from where it is), grant (the request's and the baseline's standing assignments
 * it lacks), budget (created, or its limit and notifications put back), tag (the tags it lacks).
 * Each reads AWS first and does only what is missing. Returns what it did.
 */
async function converge(
  ctx: DriftCtx,
  record: VendRequestRecord & { accountId: string },
  parentId: string,
  options: { waitMs: number; pollMs: number },
): Promise<string[]> {
  const { accountId, resolved } = record;
  const actions: string[] = [];
  if (await moveAccount(ctx, accountId, parentId, resolved.ouId)) actions.push(`moved to ${resolved.ouPath}`);
  const ic = await identityCenter(ctx);
  const access = [...resolved.access, ...(await baselineGrants(ctx, ic, resolved.ouPath, resolved.access))];
  let assigned = 0;
  for (;;) {
    const out = await assignMissing(ctx, { instanceArn: resolved.instanceArn, accountId, access });
    assigned += out.created;
    const left = await awaitAssignments(ctx, resolved.instanceArn, out.pending, options);
    if (left.length > 0) {
      actions.push(`${left.length} assignment(s) still provisioning`);
      break;
    }
    if (!out.more) break;
  }
  if (assigned > 0) actions.push(`assigned ${assigned} permission set(s)`);
  const spec = budgetSpec(
    { accountId, accountName: record.request.name, budget: record.request.budget },
    ctx.config,
    ctx.resources.budgetTopicArn,
  );
  const budget = await convergeBudget(ctx, spec);
  if (budget !== "unchanged") actions.push(`budget ${spec.budgetName} ${budget}`);
  const tagged = await convergeTags(ctx, accountId, {
    ...(record.request.tags ?? {}),
    [REQUEST_TAG]: record.requestId,
  });
  if (tagged > 0) actions.push(`tagged ${tagged}`);
  return actions;
}

/**
 * Task `RepairAccount` (one child per account): the account is checked again for what must never be
 * touched, then converged; its outcome (repaired with what was done, skipped or failed with why) is
 * recorded. A failure is the account's outcome, not the child's: the others go on.
 */
export async function repairAccount(
  ctx: DriftCtx,
  repairId: string,
  item: RepairItem,
  options: { waitMs?: number; pollMs?: number } = {},
): Promise<void> {
  const { accountId } = item;
  let outcome: RepairOutcome;
  try {
    const checked = await refusal(ctx, item);
    if ("reason" in checked) outcome = { accountId, outcome: "skipped", reason: checked.reason };
    else {
      const actions = await converge(ctx, { ...checked.record, accountId }, checked.parentId, {
        waitMs: options.waitMs ?? ASSIGNMENT_WAIT_MS,
        pollMs: options.pollMs ?? 2000,
      });
      outcome = { accountId, outcome: "repaired", actions };
      ctx.logger.info("Drift repaired", { repairId, accountId, actions });
    }
  } catch (error) {
    ctx.logger.warn("Drift repair failed for an account", { repairId, accountId, error });
    const e = error as { name?: string; message?: string };
    outcome = {
      accountId,
      outcome: "failed",
      reason: `${e.name ?? "Error"}: ${(e.message ?? String(error)).slice(0, 300)}`,
    };
  }
  await ctx.drift.putRepairOutcome(repairId, outcome);
}

/** Task `FinishRepair`: the repair SUCCEEDED (every account has its outcome) or FAILED (with the error). */
export async function finishRepair(
  ctx: DriftCtx,
  input: { repairId?: string; repair?: { repairId: string }; error?: { Error: string; Cause?: string } },
  executionArn: string,
): Promise<{ status: DriftRepair["status"] }> {
  const repairId = input.repairId ?? input.repair?.repairId ?? executionName(executionArn);
  const repair = await loadRepair(ctx, repairId);
  if (repair.status !== "RUNNING") return { status: repair.status };
  const error = input.error
    ? { code: input.error.Error, message: (input.error.Cause ?? input.error.Error).slice(0, 1000) }
    : undefined;
  const status = error ? "FAILED" : "SUCCEEDED";
  await ctx.drift.updateRepair(repairId, {
    status,
    endedAt: ctx.clock().toISOString(),
    ...(error ? { error } : {}),
  });
  ctx.logger.info("Drift repair ended", { repairId, status });
  return { status };
}

/** `GET /drift/repairs/{id}`: the repair's status and each account's outcome. */
export async function getDriftRepair(ctx: Pick<DriftCtx, "drift">, repairId: string) {
  const repair = await loadRepair(ctx, repairId);
  const outcomes = await ctx.drift.repairOutcomes(repair.repairId);
  return {
    repairId: repair.repairId,
    checkId: repair.checkId,
    status: repair.status,
    repaired: outcomes.filter((o) => o.outcome === "repaired").map((o) => o.accountId),
    skipped: outcomes
      .filter((o) => o.outcome === "skipped")
      .map((o) => ({ accountId: o.accountId, reason: o.reason ?? "" })),
    failed: outcomes
      .filter((o) => o.outcome === "failed")
      .map((o) => ({ accountId: o.accountId, reason: o.reason ?? "" })),
    actions: outcomes
      .filter((o) => o.outcome === "repaired")
      .map((o) => ({ accountId: o.accountId, actions: o.actions ?? [] })),
    startedAt: repair.startedAt,
    endedAt: repair.endedAt ?? null,
    ...(repair.error ? { error: repair.error } : {}),
    ...(repair.executionArn ? { executionArn: repair.executionArn } : {}),
    links: {
      self: repairLink(repair.repairId),
      check: `/drift/checks/${encodeURIComponent(repair.checkId)}`,
    },
  };
}

/** The execution monitor's part for a repair: one that ended before FinishRepair ran is ended FAILED. */
export async function recordRepairExecutionFailure(
  ctx: DriftCtx,
  change: ExecutionStatusChange,
  repairId: string,
): Promise<boolean> {
  const repair = await ctx.drift.getRepair(repairId);
  if (repair?.status !== "RUNNING") return false;
  const error = {
    Error: change.error ?? `States.${change.status}`,
    Cause: change.cause ?? `ended ${change.status}`,
  };
  return (await finishRepair(ctx, { repairId, error }, change.executionArn)).status === "FAILED";
}

/**
 * The execution monitor's part for `drift`: a check or a repair whose execution ended FAILED,
 * TIMED_OUT or ABORTED before its finishing task ran is ended FAILED with the execution's error.
 */
export async function recordDriftExecutionFailure(
  ctx: DriftCtx,
  change: ExecutionStatusChange,
): Promise<boolean> {
  if (!change.stateMachineArn.endsWith("drift")) return false;
  const repair = change.name.startsWith("drr-");
  const subject = executionSubject(change, repair ? "repairId" : "checkId", ctx.logger);
  const id = subject.id ?? subject.name;
  return repair
    ? recordRepairExecutionFailure(ctx, change, id)
    : recordCheckExecutionFailure(ctx, change, id);
}
