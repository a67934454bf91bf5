import {
  BudgetsClient,
  CreateBudgetCommand,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
  NotFoundException,
} from "@aws-sdk/client-budgets";
import {
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  OrganizationsClient,
  TagResourceCommand,
} from "@aws-sdk/client-organizations";
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { unitContext, vendRecord } from "../../../../test/support/unit-context";
import { ConflictError, ValidationError } from "../errors";
import type { VendRequestRecord } from "../store/requests/record";
import { repairAccount, startDriftRepair } from "./repair";

const org = mockClient(OrganizationsClient);
const budgets = mockClient(BudgetsClient);
const sso = mockClient(SSOAdminClient);

const ACCOUNT = "111122223333";
const HOME_OU = "ou-abcd-11111111";
const CLOSED_OU = "ou-abcd-99999999";

function setup(overrides: Partial<VendRequestRecord> = {}) {
  const h = unitContext();
  const record = vendRecord({ requestId: "req-1", status: "SUCCEEDED", accountId: ACCOUNT, ...overrides });
  h.store.records.set(record.requestId, record);
  return { ...h, record };
}

/** AWS as a drifted account shows it: moved, untagged, budget-less, unassigned. */
function drifted(parent = "ou-abcd-22222222", state = "ACTIVE") {
  org.on(DescribeAccountCommand).resolves({ Account: { Id: ACCOUNT, State: state as "ACTIVE" } });
  org
    .on(ListParentsCommand, { ChildId: ACCOUNT })
    .resolves({ Parents: [{ Id: parent, Type: "ORGANIZATIONAL_UNIT" }] });
  org.on(ListParentsCommand, { ChildId: parent }).resolves({ Parents: [{ Id: "r-abcd", Type: "ROOT" }] });
  org
    .on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: CLOSED_OU })
    .resolves({ OrganizationalUnit: { Id: CLOSED_OU, Name: "Suspended" } });
  org
    .on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: "ou-abcd-22222222" })
    .resolves({ OrganizationalUnit: { Id: "ou-abcd-22222222", Name: "Elsewhere" } });
  org.on(DescribeOrganizationCommand).resolves({ Organization: { MasterAccountId: "999999999999" } });
  org.on(ListTagsForResourceCommand).resolves({ Tags: [] });
  org.on(MoveAccountCommand).resolves({});
  org.on(TagResourceCommand).resolves({});
  budgets.on(DescribeBudgetCommand).rejects(new NotFoundException({ message: "no budget", $metadata: {} }));
  budgets.on(CreateBudgetCommand).resolves({});
  budgets.on(DescribeNotificationsForBudgetCommand).resolves({ Notifications: [] });
  sso.on(ListInstancesCommand).resolves({
    Instances: [{ InstanceArn: "arn:aws:sso:::instance/ssoins-1", IdentityStoreId: "d-1" }],
  });
  sso.on(ListAccountAssignmentsCommand).resolves({ AccountAssignments: [] });
  sso.on(CreateAccountAssignmentCommand).resolves({
    AccountAssignmentCreationStatus: { Status: "IN_PROGRESS", RequestId: "aa-1" },
  });
  sso.on(DescribeAccountAssignmentCreationStatusCommand).resolves({
    AccountAssignmentCreationStatus: { Status: "SUCCEEDED", RequestId: "aa-1" },
  });
}

const writes = () => [
  ...org.commandCalls(MoveAccountCommand),
  ...org.commandCalls(TagResourceCommand),
  ...sso.commandCalls(CreateAccountAssignmentCommand),
  ...budgets.commandCalls(CreateBudgetCommand),
];

describe("repairing a drifted account", () => {
  beforeEach(() => {
    org.reset();
    budgets.reset();
    sso.reset();
  });

  it("converges a moved, untagged, budget-less, unassigned account with the vend's stages, in their order", async () => {
    const { ctx } = setup({ request: { ...vendRecord().request, tags: { team: "payments" } } });
    drifted();

    await repairAccount(ctx, "drr-1", { accountId: ACCOUNT, requestId: "req-1" }, { pollMs: 1 });

    expect(org.commandCalls(MoveAccountCommand)[0]?.args[0].input).toEqual({
      AccountId: ACCOUNT,
      SourceParentId: "ou-abcd-22222222",
      DestinationParentId: HOME_OU,
    });
    expect(sso.commandCalls(CreateAccountAssignmentCommand)[0]?.args[0].input).toMatchObject({
      TargetId: ACCOUNT,
      PermissionSetArn: "arn:ps-admin",
      PrincipalId: "g-admin",
    });
    expect(sso.commandCalls(DescribeAccountAssignmentCreationStatusCommand)).toHaveLength(1);
    expect(budgets.commandCalls(CreateBudgetCommand)).toHaveLength(1);
    expect(org.commandCalls(TagResourceCommand)[0]?.args[0].input.Tags).toEqual([
      { Key: "team", Value: "payments" },
      { Key: "quartermaster:request-id", Value: "req-1" },
    ]);
    expect(await ctx.drift.repairOutcomes("drr-1")).toEqual([
      {
        accountId: ACCOUNT,
        outcome: "repaired",
        actions: [
          "moved to Workloads/Development",
          "assigned 1 permission set(s)",
          expect.stringMatching(/^budget quartermaster-.* created$/),
          "tagged 2",
        ],
      },
    ]);
  });

  it.each([
    ["a closure", { closure: "CLOSING" }, /^being closed \(closure closure-111122223333 is CLOSING\)$/],
    ["a closed account", { closure: "CLOSED" }, /^closed \(closure closure-111122223333\)$/],
    ["a lease ending", { lease: "ENDING" }, /^lease ending/],
    ["a lease ended", { lease: "CLOSED" }, /^lease ended/],
    ["a request that did not succeed", { status: "FAILED" }, /^not vended by a Quartermaster request$/],
    [
      "a request that vended another account",
      { accountId: "444455556666" },
      /^not vended by a Quartermaster request$/,
    ],
    ["a suspended account", { state: "SUSPENDED" }, /^not ACTIVE \(SUSPENDED\)$/],
    ["an account in the closed OU", { parent: CLOSED_OU }, /^in the closed OU \(Suspended\)$/],
  ])("skips %s, with the reason, and writes nothing", async (_name, c, reason) => {
    const options = c as {
      closure?: string;
      lease?: string;
      status?: string;
      accountId?: string;
      state?: string;
      parent?: string;
    };
    const { ctx } = setup({
      ...(options.status ? { status: options.status as "FAILED" } : {}),
      ...(options.accountId ? { accountId: options.accountId } : {}),
      ...(options.lease
        ? { lease: { expiresAt: "2026-11-24T00:00:00Z", status: options.lease as "ENDING" } }
        : {}),
    });
    if (options.closure)
      await ctx.closures.create({
        closureId: `closure-${ACCOUNT}`,
        accountId: ACCOUNT,
        accountName: "x",
        status: options.closure as "CLOSING",
        trigger: "api",
        steps: [],
        attempts: 1,
        createdAt: "2026-11-23T11:00:00Z",
        updatedAt: "2026-11-23T11:00:00Z",
      });
    drifted(options.parent, options.state);

    await repairAccount(ctx, "drr-1", { accountId: ACCOUNT, requestId: "req-1" }, { pollMs: 1 });

    const [outcome] = await ctx.drift.repairOutcomes("drr-1");
    expect(outcome?.outcome).toBe("skipped");
    expect(outcome?.reason).toMatch(reason);
    expect(writes()).toEqual([]);
  });

  it("records an assignment AWS refuses as the account's failure, with AWS's reason", async () => {
    const { ctx } = setup();
    drifted(HOME_OU);
    sso.on(DescribeAccountAssignmentCreationStatusCommand).resolves({
      AccountAssignmentCreationStatus: { Status: "FAILED", FailureReason: "Permission set not provisioned" },
    });

    await repairAccount(ctx, "drr-1", { accountId: ACCOUNT, requestId: "req-1" }, { pollMs: 1 });

    const [outcome] = await ctx.drift.repairOutcomes("drr-1");
    expect(outcome).toMatchObject({
      outcome: "failed",
      reason: expect.stringContaining("Permission set not provisioned"),
    });
  });
});

describe("starting a repair", () => {
  it("refuses a check that is still running (409) and an unknown field (422), and starts the workflow otherwise", async () => {
    const { ctx, workflows } = unitContext();
    await ctx.drift.createCheck({
      checkId: "drc-1",
      status: "RUNNING",
      trigger: "api",
      startedAt: "2026-11-23T11:00:00Z",
    });
    await expect(startDriftRepair(ctx, "drc-1", {})).rejects.toBeInstanceOf(ConflictError);
    await ctx.drift.updateCheck("drc-1", { status: "SUCCEEDED" });
    await expect(startDriftRepair(ctx, "drc-1", { account: ["1"] })).rejects.toBeInstanceOf(ValidationError);
    await expect(startDriftRepair(ctx, "drc-1", { accounts: ["12"] })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(workflows.started).toEqual([]);

    const repair = await startDriftRepair(ctx, "drc-1", { accounts: [ACCOUNT, ACCOUNT] });
    expect(repair.requestedAccounts).toEqual([ACCOUNT]);
    expect(workflows.started).toEqual([
      { workflow: "drift", name: repair.repairId, input: { action: "repair", repairId: repair.repairId } },
    ]);
  });
});
