import { reconcileBudgets } from "@quartermaster/core/budgets/reconcile";
import { NotificationsEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext } from "./runtime";

/** The weekly schedule's target: the same reconcile as `POST /budgets/reconcile`. */
export function makeReconcileHandler(source: ContextSource) {
  return withBase<unknown, unknown>(source, async (_event, ctx) => {
    const result = await reconcileBudgets(ctx);
    ctx.logger.info("Budgets reconciled", { created: result.created.length, unchanged: result.unchanged });
    return result;
  });
}

export const handler = makeReconcileHandler(lambdaContext(NotificationsEnvSchema));
