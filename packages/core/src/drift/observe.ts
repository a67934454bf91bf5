import { ListParentsCommand, ListTagsForResourceCommand } from "@aws-sdk/client-organizations";
import { pagedList } from "../aws/paginate";
import { budgetNotifications, describeBudget } from "../budgets/converge";
import type { BudgetNotificationSpec } from "../budgets/spec";
import type { CoreContext } from "../context";
import { managementAccountId, ouPathOf } from "../org/directory";
import { existingGroupIds } from "../vending/grant";
import type { ExpectedAccount, ObservedAccount } from "./compare";

type Ctx = Pick<CoreContext, "clients" | "retry">;

/**
 * What AWS holds for one vended account, read with the calls its vend stages read: ListParents,
 * ListTagsForResource (paged), DescribeBudget, DescribeNotificationsForBudget (when the budget
 * exists), and one ListAccountAssignments per permission set the request granted. The OU's path is
 * read only when the account moved (from the directory's cache).
 */
export async function observeAccount(
  ctx: Ctx,
  expected: ExpectedAccount,
  instanceArn: string,
): Promise<ObservedAccount> {
  const { accountId } = expected;
  const parents = await ctx.clients.organizations.send(new ListParentsCommand({ ChildId: accountId }));
  const ouId = parents.Parents?.[0]?.Id ?? "";
  const tags = await pagedList(
    (token) =>
      ctx.clients.organizations.send(
        new ListTagsForResourceCommand({ ResourceId: accountId, NextToken: token }),
      ),
    (out) => out.Tags,
  );
  const payer = await managementAccountId(ctx);
  const budget = await describeBudget(ctx, payer, expected.budget.budgetName);
  const notifications = budget ? await budgetNotifications(ctx, payer, expected.budget.budgetName) : [];
  const assignments: string[] = [];
  for (const arn of new Set(expected.assignments.map((a) => a.permissionSetArn)))
    for (const groupId of await existingGroupIds(ctx, instanceArn, accountId, arn))
      assignments.push(`${groupId}/${arn}`);
  return {
    ouId,
    ...(ouId !== expected.ouId && ouId.startsWith("ou-") ? { ouPath: await ouPathOf(ctx, ouId) } : {}),
    tags: Object.fromEntries(tags.flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : []))),
    ...(budget
      ? {
          budget: {
            monthlyLimitUsd: Number(budget.BudgetLimit?.Amount ?? Number.NaN),
            notifications: notifications.map(
              (n): BudgetNotificationSpec => ({
                type: n.NotificationType === "FORECASTED" ? "FORECASTED" : "ACTUAL",
                threshold: n.Threshold ?? 0,
              }),
            ),
          },
        }
      : {}),
    assignments,
  };
}
