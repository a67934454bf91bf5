import {
  BudgetsClient,
  CreateBudgetCommand,
  CreateNotificationCommand,
  DeleteNotificationCommand,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
  DuplicateRecordException,
  NotFoundException,
  UpdateBudgetCommand,
} from "@aws-sdk/client-budgets";
import { DescribeOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { convergeBudget } from "./converge";
import { budgetSpec, specFingerprint } from "./spec";

const budgets = mockClient(BudgetsClient);
const org = mockClient(OrganizationsClient);
const TOPIC = "arn:aws:sns:us-east-1:111111111111:budget-alerts";

beforeEach(() => {
  budgets.reset();
  org.reset();
  org.on(DescribeOrganizationCommand).resolves({ Organization: { MasterAccountId: "111111111111" } });
});

describe("budgetSpec", () => {
  it("uses the configured defaults: 50/80/100% actual and 100% forecasted", () => {
    const { ctx } = unitContext();

    const spec = budgetSpec({ accountId: "222222222222", accountName: "dev" }, ctx.config, TOPIC);

    expect(spec.notifications).toEqual([
      { type: "ACTUAL", threshold: 50 },
      { type: "ACTUAL", threshold: 80 },
      { type: "ACTUAL", threshold: 100 },
      { type: "FORECASTED", threshold: 100 },
    ]);
    expect(spec.monthlyLimitUsd).toBe(100);
    expect(spec.budgetName).toBe("quartermaster-dev-222222222222");
  });
});

describe("convergeBudget", () => {
  it("calls CreateBudget first, and nothing else, for a new account's budget (createFirst)", async () => {
    const { ctx } = unitContext();
    const spec = budgetSpec({ accountId: "222222222222", accountName: "dev" }, ctx.config, TOPIC);
    budgets.on(CreateBudgetCommand).resolves({});

    expect(await convergeBudget(ctx, spec, { payer: "111111111111", createFirst: true })).toBe("created");
    expect(budgets.calls().map((c) => (c.args[0] as object).constructor.name)).toEqual([
      "CreateBudgetCommand",
    ]);
  });

  it("converges a budget created in between (CreateBudget answers DuplicateRecordException) instead of failing", async () => {
    const { ctx } = unitContext();
    const spec = budgetSpec({ accountId: "222222222222", accountName: "dev" }, ctx.config, TOPIC);
    budgets
      .on(DescribeBudgetCommand)
      .rejectsOnce(new NotFoundException({ message: "nope", $metadata: {} }))
      .resolves({
        Budget: {
          BudgetName: spec.budgetName,
          BudgetLimit: { Amount: "5", Unit: "USD" },
          TimeUnit: "MONTHLY",
          BudgetType: "COST",
          CostFilters: { LinkedAccount: ["222222222222"] },
        },
      });
    budgets
      .on(CreateBudgetCommand)
      .rejects(new DuplicateRecordException({ message: "exists", $metadata: {} }));
    budgets.on(DescribeNotificationsForBudgetCommand).resolves({ Notifications: [] });

    const outcome = await convergeBudget(ctx, spec);

    expect(outcome).toBe("updated");
    expect(budgets.commandCalls(CreateBudgetCommand)).toHaveLength(1);
    expect(budgets.commandCalls(UpdateBudgetCommand)[0]?.args[0].input.NewBudget?.BudgetLimit?.Amount).toBe(
      "100.00",
    );
    expect(budgets.commandCalls(CreateNotificationCommand)).toHaveLength(spec.notifications.length);
  });

  it("creates a monthly cost budget filtered to the account with email and SNS subscribers", async () => {
    const { ctx, fingerprints } = unitContext();
    const spec = budgetSpec(
      {
        accountId: "222222222222",
        accountName: "dev",
        budget: { monthlyLimitUsd: 300, thresholds: [80], emails: ["Owner@example.com"] },
      },
      ctx.config,
      TOPIC,
    );
    budgets.on(DescribeBudgetCommand).rejects(new NotFoundException({ message: "nope", $metadata: {} }));
    budgets.on(CreateBudgetCommand).resolves({});

    expect(await convergeBudget(ctx, spec)).toBe("created");

    const input = budgets.commandCalls(CreateBudgetCommand)[0]?.args[0].input;
    expect(input?.AccountId).toBe("111111111111");
    expect(input?.Budget).toMatchObject({
      BudgetName: "quartermaster-dev-222222222222",
      BudgetType: "COST",
      TimeUnit: "MONTHLY",
      BudgetLimit: { Amount: "300.00", Unit: "USD" },
      CostFilters: { LinkedAccount: ["222222222222"] },
    });
    expect(input?.NotificationsWithSubscribers).toEqual([
      {
        Notification: {
          NotificationType: "ACTUAL",
          ComparisonOperator: "GREATER_THAN",
          Threshold: 80,
          ThresholdType: "PERCENTAGE",
        },
        Subscribers: [
          { SubscriptionType: "EMAIL", Address: "owner@example.com" },
          { SubscriptionType: "SNS", Address: TOPIC },
        ],
      },
    ]);
    expect(fingerprints.fingerprints.get(spec.budgetName)).toBe(specFingerprint(spec));
  });

  function existingAsApplied(spec: ReturnType<typeof budgetSpec>) {
    budgets.on(DescribeBudgetCommand).resolves({
      Budget: {
        BudgetName: spec.budgetName,
        BudgetType: "COST",
        TimeUnit: "MONTHLY",
        BudgetLimit: { Amount: spec.monthlyLimitUsd.toFixed(1), Unit: "USD" },
        CostFilters: { LinkedAccount: [spec.accountId] },
      },
    });
    return spec.notifications.map((n) => ({
      NotificationType: n.type,
      ComparisonOperator: "GREATER_THAN" as const,
      Threshold: n.threshold,
      ThresholdType: "PERCENTAGE" as const,
    }));
  }

  it("leaves an existing budget alone when it and the applied spec match", async () => {
    const { ctx, fingerprints } = unitContext();
    const spec = budgetSpec({ accountId: "222222222222", accountName: "dev" }, ctx.config, TOPIC);
    fingerprints.fingerprints.set(spec.budgetName, specFingerprint(spec));
    budgets.on(DescribeNotificationsForBudgetCommand).resolves({ Notifications: existingAsApplied(spec) });

    expect(await convergeBudget(ctx, spec)).toBe("unchanged");
    expect(budgets.commandCalls(CreateBudgetCommand)).toHaveLength(0);
    expect(budgets.commandCalls(UpdateBudgetCommand)).toHaveLength(0);
    expect(budgets.commandCalls(CreateNotificationCommand)).toHaveLength(0);
  });

  it("restores notifications edited outside Quartermaster even when the applied spec is unchanged", async () => {
    const { ctx, fingerprints } = unitContext();
    const spec = budgetSpec({ accountId: "222222222222", accountName: "dev" }, ctx.config, TOPIC);
    fingerprints.fingerprints.set(spec.budgetName, specFingerprint(spec));
    const [first, ...rest] = existingAsApplied(spec);
    budgets
      .on(DescribeNotificationsForBudgetCommand)
      .resolves({ Notifications: [{ ...first, Threshold: 5 }, ...rest] } as never);

    expect(await convergeBudget(ctx, spec)).toBe("updated");
    expect(budgets.commandCalls(DeleteNotificationCommand)).toHaveLength(spec.notifications.length);
    expect(budgets.commandCalls(CreateNotificationCommand)).toHaveLength(spec.notifications.length);
  });

  it("updates a changed limit and replaces the notifications with their subscribers, never duplicating the budget", async () => {
    const { ctx } = unitContext();
    const spec = budgetSpec(
      { accountId: "222222222222", accountName: "dev", budget: { monthlyLimitUsd: 500, thresholds: [90] } },
      ctx.config,
      TOPIC,
    );
    budgets.on(DescribeBudgetCommand).resolves({
      Budget: {
        BudgetName: spec.budgetName,
        BudgetType: "COST",
        TimeUnit: "MONTHLY",
        BudgetLimit: { Amount: "100.0", Unit: "USD" },
        CostFilters: { LinkedAccount: ["222222222222"] },
      },
    });
    const old = {
      NotificationType: "ACTUAL" as const,
      ComparisonOperator: "GREATER_THAN" as const,
      Threshold: 50,
    };
    budgets.on(DescribeNotificationsForBudgetCommand).resolves({ Notifications: [old] });

    expect(await convergeBudget(ctx, spec)).toBe("updated");

    expect(budgets.commandCalls(UpdateBudgetCommand)[0]?.args[0].input.NewBudget?.BudgetLimit).toEqual({
      Amount: "500.00",
      Unit: "USD",
    });
    expect(budgets.commandCalls(DeleteNotificationCommand)[0]?.args[0].input.Notification).toEqual(old);
    const created = budgets.commandCalls(CreateNotificationCommand).map((c) => c.args[0].input);
    expect(created.map((c) => c.Notification?.Threshold)).toEqual([90]);
    expect(created[0]?.Subscribers).toContainEqual({ SubscriptionType: "SNS", Address: TOPIC });
    expect(budgets.commandCalls(CreateBudgetCommand)).toHaveLength(0);
  });
});
