import {
  BudgetsClient,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
  NotFoundException,
} from "@aws-sdk/client-budgets";
import {
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { ListAccountAssignmentsCommand, SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { unitContext, vendRecord } from "../../../../test/support/unit-context";
import { parseConfig } from "../config/config";
import { expectedAccount, findings } from "./compare";
import { observeAccount } from "./observe";

const org = mockClient(OrganizationsClient);
const budgets = mockClient(BudgetsClient);
const sso = mockClient(SSOAdminClient);

const record = { ...vendRecord({ requestId: "req-1", status: "SUCCEEDED" }), accountId: "111122223333" };
const expected = expectedAccount(record, parseConfig({}), undefined);
const INSTANCE = "arn:aws:sso:::instance/ssoins-1";

/** AWS answering for the account as its vend left it. */
function asVended() {
  org.on(DescribeOrganizationCommand).resolves({ Organization: { MasterAccountId: "999999999999" } });
  org
    .on(ListParentsCommand, { ChildId: "111122223333" })
    .resolves({ Parents: [{ Id: "ou-abcd-11111111", Type: "ORGANIZATIONAL_UNIT" }] });
  org.on(ListTagsForResourceCommand).resolves({
    Tags: [
      { Key: "team", Value: "payments" },
      { Key: "quartermaster:request-id", Value: "req-1" },
    ],
  });
  budgets.on(DescribeBudgetCommand).resolves({
    Budget: {
      BudgetName: expected.budget.budgetName,
      BudgetLimit: { Amount: "100.0", Unit: "USD" },
      TimeUnit: "MONTHLY",
      BudgetType: "COST",
    },
  });
  budgets.on(DescribeNotificationsForBudgetCommand).resolves({
    Notifications: expected.budget.notifications.map((n) => ({
      NotificationType: n.type,
      ComparisonOperator: "GREATER_THAN",
      Threshold: n.threshold,
    })),
  });
  sso.on(ListAccountAssignmentsCommand).resolves({
    AccountAssignments: [
      {
        AccountId: "111122223333",
        PermissionSetArn: "arn:ps-admin",
        PrincipalType: "GROUP",
        PrincipalId: "g-admin",
      },
    ],
  });
}

describe("reading a vended account for drift", () => {
  beforeEach(() => {
    org.reset();
    budgets.reset();
    sso.reset();
  });

  it("finds no drift in an account as its vend left it, in four calls and one per permission set", async () => {
    asVended();
    const { ctx } = unitContext();

    const observed = await observeAccount(ctx, expected, INSTANCE);

    expect(findings(expected, observed)).toEqual([]);
    expect(org.commandCalls(ListParentsCommand)).toHaveLength(1);
    expect(org.commandCalls(ListTagsForResourceCommand)).toHaveLength(1);
    expect(budgets.calls()).toHaveLength(2);
    expect(sso.commandCalls(ListAccountAssignmentsCommand)).toHaveLength(1);
  });

  it("reports a move (by path), a removed tag, a deleted budget and a removed assignment", async () => {
    asVended();
    org
      .on(ListParentsCommand, { ChildId: "111122223333" })
      .resolves({ Parents: [{ Id: "ou-abcd-22222222", Type: "ORGANIZATIONAL_UNIT" }] });
    org
      .on(ListParentsCommand, { ChildId: "ou-abcd-22222222" })
      .resolves({ Parents: [{ Id: "r-abcd", Type: "ROOT" }] });
    org
      .on(DescribeOrganizationalUnitCommand)
      .resolves({ OrganizationalUnit: { Id: "ou-abcd-22222222", Name: "Sandbox" } });
    org
      .on(ListTagsForResourceCommand)
      .resolves({ Tags: [{ Key: "quartermaster:request-id", Value: "req-1" }] });
    budgets.on(DescribeBudgetCommand).rejects(new NotFoundException({ message: "gone", $metadata: {} }));
    sso.on(ListAccountAssignmentsCommand).resolves({ AccountAssignments: [] });
    const { ctx } = unitContext();

    const found = findings(expected, await observeAccount(ctx, expected, INSTANCE));

    expect(found.map((f) => [f.kind, f.key, f.actual])).toEqual([
      ["ou", "ou", "Sandbox"],
      ["tag", "team", null],
      ["budget", expected.budget.budgetName, null],
      ["assignment", "Admin/AdministratorAccess", null],
    ]);
    expect(budgets.commandCalls(DescribeNotificationsForBudgetCommand)).toHaveLength(0);
  });
});
