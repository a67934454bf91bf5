import { BudgetsClient } from "@aws-sdk/client-budgets";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import {
  RECONCILE_REQUESTED,
  ReconcileRequestedSchema,
  runReconcileJob,
} from "@quartermaster/core/budgets/jobs";
import { reconcileBudgets } from "@quartermaster/core/budgets/reconcile";
import { NotificationsEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext } from "./runtime";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = { organizations: OrganizationsClient, budgets: BudgetsClient };

/** What invokes the reconcile function: the weekly schedule (no payload) or a `Budget Reconcile Requested` event. */
type ReconcileEvent = { "detail-type"?: string; detail?: unknown } | undefined;

/**
 * Runs a budget reconcile: the job `POST /budgets/reconcile` recorded (delivered by the bus), or,
 * from the weekly schedule, a reconcile of its own.
 */
export function makeReconcileHandler(source: ContextSource) {
  return withBase<ReconcileEvent, unknown>(source, async (event, ctx) => {
    if (event?.["detail-type"] === RECONCILE_REQUESTED) {
      const { reconcileId } = ReconcileRequestedSchema.parse(event.detail);
      ctx.logger.appendKeys({ reconcileId });
      return runReconcileJob(ctx, reconcileId);
    }
    const result = await reconcileBudgets(ctx);
    ctx.logger.info("Budgets reconciled", { created: result.created.length, unchanged: result.unchanged });
    return result;
  });
}

export const handler = makeReconcileHandler(lambdaContext(NotificationsEnvSchema, CLIENTS));
