import { DescribeBudgetsCommand } from "@aws-sdk/client-budgets";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import type { ReconcileResult } from "../contract";
import { activeAccountsUnder, managementAccountId } from "../org/directory";
import { convergeBudget } from "./converge";
import { BUDGET_PREFIX, budgetSpec } from "./spec";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "logger" | "fingerprints" | "resources">;

/**
 * `POST /budgets/reconcile`: gives every ACTIVE account under the configured OUs that has
 * no Quartermaster budget the default one. Existing Quartermaster budgets are left as they are.
 */
export async function reconcileBudgets(ctx: Ctx): Promise<ReconcileResult> {
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
  const result: ReconcileResult = { created: [], unchanged: 0 };
  for (const account of accounts) {
    if (account.Id === payer) continue;
    if (covered.has(account.Id as string)) {
      result.unchanged++;
      continue;
    }
    const spec = budgetSpec(
      { accountId: account.Id as string, accountName: account.Name ?? (account.Id as string) },
      ctx.config,
      ctx.resources.budgetTopicArn,
    );
    await convergeBudget(ctx, spec, { payer });
    result.created.push({ accountId: spec.accountId, budgetName: spec.budgetName });
  }
  return result;
}
