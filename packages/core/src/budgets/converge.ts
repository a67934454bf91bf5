import {
  type Budget,
  CreateBudgetCommand,
  CreateNotificationCommand,
  DeleteNotificationCommand,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
  type Notification,
  type Subscriber,
  UpdateBudgetCommand,
} from "@aws-sdk/client-budgets";
import { isAwsError } from "../aws/classify";
import { pagedList } from "../aws/paginate";
import type { CoreContext } from "../context";
import { TransientAwsError } from "../errors";
import { managementAccountId } from "../org/directory";
import { type BudgetSpec, specFingerprint } from "./spec";

type Ctx = Pick<CoreContext, "clients" | "retry" | "logger" | "fingerprints">;

function budgetOf(spec: BudgetSpec): Budget {
  return {
    BudgetName: spec.budgetName,
    BudgetType: "COST",
    TimeUnit: "MONTHLY",
    BudgetLimit: { Amount: spec.monthlyLimitUsd.toFixed(2), Unit: "USD" },
    CostFilters: { LinkedAccount: [spec.accountId] },
  };
}

function notificationOf(n: BudgetSpec["notifications"][number]): Notification {
  return {
    NotificationType: n.type,
    ComparisonOperator: "GREATER_THAN",
    Threshold: n.threshold,
    ThresholdType: "PERCENTAGE",
  };
}

function subscribersOf(spec: BudgetSpec): Subscriber[] {
  return [
    ...spec.emails.map((Address) => ({ SubscriptionType: "EMAIL" as const, Address })),
    ...(spec.topicArn ? [{ SubscriptionType: "SNS" as const, Address: spec.topicArn }] : []),
  ];
}

/** The budget of that name, or undefined when there is none. */
export async function describeBudget(
  ctx: Pick<Ctx, "clients">,
  payer: string,
  name: string,
): Promise<Budget | undefined> {
  try {
    const out = await ctx.clients.budgets.send(
      new DescribeBudgetCommand({ AccountId: payer, BudgetName: name }),
    );
    return out.Budget;
  } catch (error) {
    if (isAwsError(error, "NotFoundException")) return undefined;
    throw error;
  }
}

/** A budget's notifications (DescribeNotificationsForBudget, paged). */
export function budgetNotifications(ctx: Pick<Ctx, "clients">, owner: string, name: string) {
  return pagedList(
    (token) =>
      ctx.clients.budgets.send(
        new DescribeNotificationsForBudgetCommand({ AccountId: owner, BudgetName: name, NextToken: token }),
      ),
    (out) => out.Notifications,
  );
}

export type BudgetOutcome = "created" | "updated" | "unchanged";

/** CreateBudget with its notifications; false when a budget of that name exists already. */
async function createBudget(ctx: Ctx, owner: string, spec: BudgetSpec): Promise<boolean> {
  try {
    await ctx.clients.budgets.send(
      new CreateBudgetCommand({
        AccountId: owner,
        Budget: budgetOf(spec),
        NotificationsWithSubscribers: spec.notifications.map((n) => ({
          Notification: notificationOf(n),
          Subscribers: subscribersOf(spec),
        })),
      }),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, "DuplicateRecordException")) return false;
    throw error;
  }
}

/**
 * Converges one account's budget: creates it with its notifications and subscribers, or,
 * when the applied spec differs, updates the limit and replaces the notifications (which
 * rewrites their subscribers). The applied spec's fingerprint is kept in the store.
 */
export async function convergeBudget(
  ctx: Ctx,
  spec: BudgetSpec,
  options: { payer?: string; createFirst?: boolean } = {},
): Promise<BudgetOutcome> {
  const owner = options.payer ?? (await managementAccountId(ctx));
  const fingerprint = specFingerprint(spec);
  // With `createFirst` (a budget that almost surely does not exist), CreateBudget is the first call.
  let existing = options.createFirst ? undefined : await describeBudget(ctx, owner, spec.budgetName);
  if (!existing) {
    if (await createBudget(ctx, owner, spec)) {
      await ctx.fingerprints.putBudgetFingerprint(spec.budgetName, fingerprint);
      return "created";
    }
    // Created in between (a racing run, or an earlier try whose answer was lost): converge it instead.
    existing = await describeBudget(ctx, owner, spec.budgetName);
    if (!existing)
      throw new TransientAwsError(`Budget ${spec.budgetName} was reported to exist but cannot be read yet`);
  }
  let changed = false;
  const limit = Number(existing.BudgetLimit?.Amount ?? Number.NaN);
  const filters = existing.CostFilters?.LinkedAccount ?? [];
  if (
    limit !== spec.monthlyLimitUsd ||
    existing.TimeUnit !== "MONTHLY" ||
    filters.join() !== spec.accountId
  ) {
    await ctx.clients.budgets.send(new UpdateBudgetCommand({ AccountId: owner, NewBudget: budgetOf(spec) }));
    changed = true;
  }
  const current = await budgetNotifications(ctx, owner, spec.budgetName);
  const key = (n: Notification) =>
    `${n.NotificationType}:${n.ComparisonOperator}:${n.Threshold}:${n.ThresholdType ?? "PERCENTAGE"}`;
  const sameNotifications =
    current.map(key).sort().join() ===
    spec.notifications
      .map((n) => key(notificationOf(n)))
      .sort()
      .join();
  // Subscribers are compared through the fingerprint of the spec last applied: replacing the
  // notifications rewrites them without reading them back (which not every endpoint supports).
  if (sameNotifications && (await ctx.fingerprints.getBudgetFingerprint(spec.budgetName)) === fingerprint) {
    return changed ? "updated" : "unchanged";
  }
  for (const notification of current) {
    await ctx.clients.budgets.send(
      new DeleteNotificationCommand({
        AccountId: owner,
        BudgetName: spec.budgetName,
        Notification: notification,
      }),
    );
  }
  for (const n of spec.notifications) {
    await ctx.clients.budgets.send(
      new CreateNotificationCommand({
        AccountId: owner,
        BudgetName: spec.budgetName,
        Notification: notificationOf(n),
        Subscribers: subscribersOf(spec),
      }),
    );
  }
  await ctx.fingerprints.putBudgetFingerprint(spec.budgetName, fingerprint);
  ctx.logger.info("Updated budget", { budgetName: spec.budgetName, accountId: spec.accountId });
  return "updated";
}
