import { BudgetsClient } from "@aws-sdk/client-budgets";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { assertNever } from "@quartermaster/core/assert-never";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import { RECONCILE_TASKS, type ReconcileTask } from "@quartermaster/core/budgets/definition";
import {
  finishReconcile,
  planReconcile,
  type ReconcileAccount,
  ReconcileAccountSchema,
  type ReconcilePlan,
  reconcileAccount,
} from "@quartermaster/core/budgets/reconcile";
import type { CoreContext } from "@quartermaster/core/context";
import { toWorkflowError } from "@quartermaster/core/errors";
import { ReconcileTaskEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext, taskFromEnvironment } from "./runtime";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = {
  organizations: OrganizationsClient,
  budgets: BudgetsClient,
  s3: S3Client,
};

/** The state each budget-reconcile task receives (see `lambdaTask` in core). */
export interface ReconcileTaskEvent {
  executionArn: string;
  state: {
    reconcileId?: string;
    plan?: ReconcilePlan;
    account?: ReconcileAccount;
    error?: { Error: string; Cause?: string };
  };
}

/** Runs one budget-reconcile task against core. */
export async function runReconcileTask(ctx: CoreContext, task: ReconcileTask, event: ReconcileTaskEvent) {
  const { state, executionArn } = event;
  switch (task) {
    case "startReconcile":
      return planReconcile(ctx, { reconcileId: state.reconcileId }, executionArn);
    case "createBudget": {
      if (!state.reconcileId || !state.account) throw new Error("CreateBudget needs reconcileId and account");
      return reconcileAccount(ctx, {
        reconcileId: state.reconcileId,
        account: ReconcileAccountSchema.parse(state.account),
      });
    }
    case "finishReconcile":
      return finishReconcile(
        ctx,
        { reconcileId: state.plan?.reconcileId ?? state.reconcileId, error: state.error },
        executionArn,
      );
    default:
      return assertNever(task, "task");
  }
}

export function makeReconcileTaskHandler(task: ReconcileTask, source: ContextSource) {
  return withBase<ReconcileTaskEvent, unknown>(source, async (event, ctx) => {
    ctx.logger.appendKeys({
      executionArn: event.executionArn,
      reconcileId: event.state.plan?.reconcileId ?? event.state.reconcileId,
      accountId: event.state.account?.accountId,
      task,
    });
    try {
      return await runReconcileTask(ctx, task, event);
    } catch (error) {
      ctx.logger.warn("Task failed", { error });
      throw toWorkflowError(error);
    }
  });
}

/** The deployed handler: one function per task, each told its task by `QM_TASK` (set by the stack). */
export const handler = taskFromEnvironment(RECONCILE_TASKS, (task) =>
  makeReconcileTaskHandler(task, lambdaContext(ReconcileTaskEnvSchema, CLIENTS)),
);
