import { DescribeBudgetsCommand } from "@aws-sdk/client-budgets";
import * as z from "zod";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import { NotFoundError, QuartermasterError, TransientAwsError } from "../errors";
import { type FanoutItems, writeFanoutItems } from "../fanout/items";
import { activeAccountsUnder, managementAccountId } from "../org/directory";
import { type ExecutionStatusChange, executionName, executionSubject } from "../workflow/execution-events";
import { convergeBudget } from "./converge";
import { BUDGET_PREFIX, budgetSpec } from "./spec";

type Ctx = Pick<
  CoreContext,
  "clients" | "config" | "retry" | "logger" | "fingerprints" | "resources" | "reconciles" | "clock"
>;

/** An account the reconcile gives a budget: an item of its fan-out. */
export interface ReconcileAccount {
  accountId: string;
  name: string;
}

export const ReconcileAccountSchema = z.object({ accountId: z.string(), name: z.string() });

/** What `StartReconcile` hands the state machine: the job, and where its accounts are. */
export interface ReconcilePlan {
  reconcileId: string;
  items: FanoutItems;
}

/**
 * Task `StartReconcile`: every ACTIVE account under the configured OUs (the management account aside)
 * that has no Quartermaster budget, written to the items bucket for the fan-out; those that have one
 * are counted as unchanged. Existing budgets are read once, every page, from the payer.
 */
export async function planReconcile(
  ctx: Ctx,
  input: { reconcileId?: string },
  executionArn: string,
): Promise<ReconcilePlan> {
  const reconcileId = input.reconcileId ?? executionName(executionArn);
  // A scheduled reconcile has no job yet: its execution's name is its id.
  await ctx.reconciles.create({
    reconcileId,
    status: "RUNNING",
    unchanged: 0,
    createdCount: 0,
    failedCount: 0,
    startedAt: ctx.clock().toISOString(),
  });
  const payer = await managementAccountId(ctx);
  const budgets = await pagedList(
    (token) => ctx.clients.budgets.send(new DescribeBudgetsCommand({ AccountId: payer, NextToken: token })),
    (out) => out.Budgets,
  );
  const covered = new Set(
    budgets
      .filter((b) => b.BudgetName?.startsWith(BUDGET_PREFIX))
      .flatMap((b) => b.CostFilters?.LinkedAccount ?? []),
  );
  const { accounts, missing } = await activeAccountsUnder(ctx, ctx.config.budgetOuPaths);
  if (missing.length) ctx.logger.warn("Configured budget OUs do not exist", { missing });
  const eligible = accounts.filter((a) => a.Id !== payer);
  const lacking: ReconcileAccount[] = eligible
    .filter((a) => !covered.has(a.Id as string))
    .map((a) => ({ accountId: a.Id as string, name: a.Name ?? (a.Id as string) }));
  const items = await writeFanoutItems(ctx, "reconcile", reconcileId, lacking);
  await ctx.reconciles.update(reconcileId, {
    unchanged: eligible.length - lacking.length,
    toCreate: lacking.length,
    items,
    executionArn,
  });
  ctx.logger.info("Budget reconcile planned", { reconcileId, toCreate: lacking.length });
  return { reconcileId, items };
}

/**
 * Task `CreateBudget`, one account of the fan-out: its default budget, converged (a rerun changes
 * nothing), recorded once. A refusal that retrying cannot change is recorded as the account's failure;
 * a transient one is thrown, for the state machine's retries.
 */
export async function reconcileAccount(
  ctx: Ctx,
  input: { reconcileId: string; account: ReconcileAccount },
): Promise<{ created: boolean }> {
  const { reconcileId, account } = input;
  const spec = budgetSpec(
    { accountId: account.accountId, accountName: account.name },
    ctx.config,
    ctx.resources.budgetTopicArn,
  );
  try {
    const payer = await managementAccountId(ctx);
    await convergeBudget(ctx, spec, { payer });
  } catch (error) {
    if (error instanceof TransientAwsError) throw error;
    const reason =
      error instanceof QuartermasterError ? `${error.code}: ${error.message}` : (error as Error).message;
    ctx.logger.warn("Budget not created", { reconcileId, accountId: account.accountId, error });
    await ctx.reconciles.recordFailed(reconcileId, { accountId: account.accountId, reason });
    return { created: false };
  }
  await ctx.reconciles.recordCreated(reconcileId, {
    accountId: account.accountId,
    budgetName: spec.budgetName,
  });
  return { created: true };
}

/**
 * Task `FinishReconcile`: the job's status from its counts. An account neither created nor failed (its
 * child execution ended before it recorded anything) is counted as failed; any failure fails the job,
 * naming how many.
 */
export async function finishReconcile(
  ctx: Ctx,
  input: { reconcileId?: string; error?: { Error: string; Cause?: string } },
  executionArn: string,
) {
  const reconcileId = input.reconcileId ?? executionName(executionArn);
  const job = await ctx.reconciles.get(reconcileId);
  if (!job) throw new NotFoundError(`No reconcile ${reconcileId}`);
  if (job.status !== "RUNNING") return { reconcileId, status: job.status };
  const unaccounted = Math.max(0, (job.toCreate ?? 0) - job.createdCount - job.failedCount);
  const failed = job.failedCount + unaccounted;
  const error = input.error
    ? { code: input.error.Error, message: input.error.Cause ?? "the reconcile could not run" }
    : failed > 0
      ? {
          code: "BUDGETS_NOT_CREATED",
          message: `${failed} of ${job.toCreate ?? failed} accounts did not get their budget${unaccounted ? ` (${unaccounted} did not complete)` : ""}`,
        }
      : undefined;
  const status = error ? "FAILED" : "SUCCEEDED";
  await ctx.reconciles.update(reconcileId, { status, endedAt: ctx.clock().toISOString(), error });
  ctx.logger.info("Budgets reconciled", { reconcileId, status, created: job.createdCount, failed });
  return { reconcileId, status };
}

/**
 * The execution monitor's part for `budget-reconcile`: a job whose execution ended FAILED, TIMED_OUT or
 * ABORTED before FinishReconcile ran is ended FAILED with the execution's error; a job already ended is
 * left alone. False when nothing changed.
 */
export async function recordReconcileExecutionFailure(
  ctx: Ctx,
  change: ExecutionStatusChange,
): Promise<boolean> {
  if (!change.stateMachineArn.endsWith("budget-reconcile")) return false;
  const subject = executionSubject(change, "reconcileId", ctx.logger);
  const job = await ctx.reconciles.get(subject.id ?? subject.name);
  if (job?.status !== "RUNNING") return false;
  await finishReconcile(
    ctx,
    {
      reconcileId: job.reconcileId,
      error: {
        Error: change.error ?? `States.${change.status}`,
        Cause: change.cause ?? `ended ${change.status}`,
      },
    },
    change.executionArn,
  );
  return true;
}
