import { type BudgetOutcome, convergeBudget } from "../budgets/converge";
import { budgetSpec } from "../budgets/spec";
import type { CoreContext } from "../context";
import { accountIdOf, createdByThisRequest, type VendState } from "./state";
import { tracked } from "./track-step";

type Ctx = Pick<
  CoreContext,
  "clients" | "config" | "retry" | "logger" | "store" | "fingerprints" | "clock" | "resources"
>;

/** Stage `budget`: converges the account's monthly cost budget (request's limits, else the defaults). */
export async function provisionBudget(
  ctx: Ctx,
  state: VendState,
): Promise<{ budgetName: string; outcome: BudgetOutcome }> {
  const accountId = accountIdOf(state);
  return tracked(ctx, state.requestId, "budget", async () => {
    const spec = budgetSpec(
      { accountId, accountName: state.request.name, budget: state.request.budget },
      ctx.config,
      ctx.resources.budgetTopicArn,
    );
    // A new account has no budget yet: create first, and converge only if one exists after all.
    const createFirst = createdByThisRequest(state);
    return { budgetName: spec.budgetName, outcome: await convergeBudget(ctx, spec, { createFirst }) };
  });
}
