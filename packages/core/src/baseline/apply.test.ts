import { GetGroupIdCommand, IdentitystoreClient } from "@aws-sdk/client-identitystore";
import {
  AttachPolicyCommand,
  ConstraintViolationException,
  ListPoliciesCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import {
  ConflictException,
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListCustomerManagedPolicyReferencesInPermissionSetCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  ResourceNotFoundException,
  SSOAdminClient,
  UpdatePermissionSetCommand,
} from "@aws-sdk/client-sso-admin";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { Change } from "../store/baseline-plans";
import { applyChanges, MAX_OUTSTANDING } from "./run";

const org = mockClient(OrganizationsClient);
const sso = mockClient(SSOAdminClient);
const ids = mockClient(IdentitystoreClient);
const INSTANCE = "arn:aws:sso:::instance/ssoins-1";

beforeEach(() => {
  org.reset();
  sso.reset();
  ids.reset();
  org.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-1", PolicyTypes: [] }] });
  sso.on(ListInstancesCommand).resolves({ Instances: [{ InstanceArn: INSTANCE, IdentityStoreId: "d-1" }] });
  sso.on(ListPermissionSetsCommand).resolves({ PermissionSets: ["arn:ps-admin"] });
  sso.on(DescribePermissionSetCommand).resolves({
    PermissionSet: { Name: "AdministratorAccess", PermissionSetArn: "arn:ps-admin", SessionDuration: "PT4H" },
  });
  sso.on(ListManagedPoliciesInPermissionSetCommand).resolves({ AttachedManagedPolicies: [] });
  sso.on(ListCustomerManagedPolicyReferencesInPermissionSetCommand).resolves({});
  sso.on(GetInlinePolicyForPermissionSetCommand).resolves({});
  sso
    .on(GetPermissionsBoundaryForPermissionSetCommand)
    .rejects(new ResourceNotFoundException({ message: "none", $metadata: {} }));
  ids.on(GetGroupIdCommand).resolves({ GroupId: "g-admin" });
});

/** A context holding an APPLYING plan of these changes. */
async function applying(changes: Change[]) {
  const { ctx } = unitContext({ identityCenter: { instanceArn: INSTANCE, identityStoreId: "d-1" } });
  const now = "2026-12-05T12:00:00.000Z";
  await ctx.baselines.create({
    planId: "bpl-1",
    status: "APPLYING",
    prune: false,
    baseline: { version: 1 },
    total: changes.length,
    cursor: 0,
    pending: [],
    createdAt: now,
    updatedAt: now,
  });
  await ctx.baselines.putChanges("bpl-1", changes);
  return ctx;
}

const sessionChange: Change = {
  action: "update",
  kind: "permissionSet",
  key: "permissionSet/AdministratorAccess",
  fields: [{ field: "sessionDuration", before: "PT4H", after: "PT8H" }],
  after: {
    name: "AdministratorAccess",
    sessionDuration: "PT8H",
    managedPolicies: [],
    customerManagedPolicies: [],
  },
};

describe("applyChanges", () => {
  it("provisions a changed permission set again, through ConflictExceptions while another provisioning runs, and awaits it", async () => {
    const ctx = await applying([sessionChange]);
    sso.on(UpdatePermissionSetCommand).resolves({});
    sso.on(ListAccountsForProvisionedPermissionSetCommand).resolves({ AccountIds: ["111111111111"] });
    sso
      .on(ProvisionPermissionSetCommand)
      .rejectsOnce(new ConflictException({ message: "a provisioning is in progress", $metadata: {} }))
      .rejectsOnce(new ConflictException({ message: "a provisioning is in progress", $metadata: {} }))
      .resolves({ PermissionSetProvisioningStatus: { Status: "IN_PROGRESS", RequestId: "prov-1" } });
    sso
      .on(DescribePermissionSetProvisioningStatusCommand)
      .resolvesOnce({ PermissionSetProvisioningStatus: { Status: "IN_PROGRESS", RequestId: "prov-1" } })
      .resolves({ PermissionSetProvisioningStatus: { Status: "SUCCEEDED", RequestId: "prov-1" } });

    const result = await applyChanges(ctx, "bpl-1", { pollMs: 1, intervalMs: 0 });

    expect(result).toEqual({ done: true, waitSeconds: 0 });
    expect(sso.commandCalls(UpdatePermissionSetCommand)[0]?.args[0].input).toMatchObject({
      PermissionSetArn: "arn:ps-admin",
      SessionDuration: "PT8H",
    });
    expect(sso.commandCalls(ProvisionPermissionSetCommand)).toHaveLength(3);
    expect(sso.commandCalls(ProvisionPermissionSetCommand)[2]?.args[0].input).toEqual({
      InstanceArn: INSTANCE,
      PermissionSetArn: "arn:ps-admin",
      TargetType: "ALL_PROVISIONED_ACCOUNTS",
    });
    expect(sso.commandCalls(DescribePermissionSetProvisioningStatusCommand)).toHaveLength(2);
    expect((await ctx.baselines.get("bpl-1"))?.pending).toEqual([]);
  });

  it("hands back to the state machine while a provisioning is still running, and a retried call repeats nothing", async () => {
    const ctx = await applying([sessionChange]);
    sso.on(UpdatePermissionSetCommand).resolves({});
    sso.on(ListAccountsForProvisionedPermissionSetCommand).resolves({ AccountIds: ["111111111111"] });
    sso
      .on(ProvisionPermissionSetCommand)
      .resolves({ PermissionSetProvisioningStatus: { Status: "IN_PROGRESS", RequestId: "prov-1" } });
    sso
      .on(DescribePermissionSetProvisioningStatusCommand)
      .resolves({ PermissionSetProvisioningStatus: { Status: "IN_PROGRESS", RequestId: "prov-1" } });

    expect(await applyChanges(ctx, "bpl-1", { budgetMs: 0, pollMs: 1, intervalMs: 0 })).toEqual({
      done: false,
      waitSeconds: 2,
    });
    expect((await ctx.baselines.get("bpl-1"))?.pending).toEqual([
      { type: "provisioning", requestId: "prov-1", key: "permissionSet/AdministratorAccess" },
    ]);
    sso
      .on(DescribePermissionSetProvisioningStatusCommand)
      .resolves({ PermissionSetProvisioningStatus: { Status: "SUCCEEDED", RequestId: "prov-1" } });
    expect(await applyChanges(ctx, "bpl-1", { pollMs: 1, intervalMs: 0 })).toEqual({
      done: true,
      waitSeconds: 0,
    });
    expect(sso.commandCalls(ProvisionPermissionSetCommand)).toHaveLength(1);
  });

  it(`keeps at most ${MAX_OUTSTANDING} assignment operations outstanding`, async () => {
    const accounts = Array.from({ length: 14 }, (_, i) => String(100000000000 + i));
    const ctx = await applying(
      accounts.map((accountId) => ({
        action: "create",
        kind: "assignment",
        key: `assignment/Admin/AdministratorAccess/${accountId}`,
        after: { group: "Admin", permissionSet: "AdministratorAccess", accountId },
      })),
    );
    let outstanding = 0;
    let most = 0;
    sso.on(CreateAccountAssignmentCommand).callsFake(() => {
      outstanding++;
      most = Math.max(most, outstanding);
      return { AccountAssignmentCreationStatus: { Status: "IN_PROGRESS", RequestId: `a-${outstanding}` } };
    });
    sso.on(DescribeAccountAssignmentCreationStatusCommand).callsFake(() => {
      outstanding = Math.max(0, outstanding - 1);
      return { AccountAssignmentCreationStatus: { Status: "SUCCEEDED" } };
    });

    expect(await applyChanges(ctx, "bpl-1", { pollMs: 1, intervalMs: 0 })).toEqual({
      done: true,
      waitSeconds: 0,
    });
    expect(sso.commandCalls(CreateAccountAssignmentCommand)).toHaveLength(14);
    expect(most).toBe(MAX_OUTSTANDING);
  });

  it("fails the change AWS refuses for good with its key: a sixth SCP on a target", async () => {
    const ctx = await applying([
      {
        action: "create",
        kind: "scpTarget",
        key: "scpTarget/guard/111111111111",
        after: { policy: "guard", target: "111111111111" },
      },
    ]);
    org.on(ListPoliciesCommand).resolves({ Policies: [{ Id: "p-guard", Name: "guard" }] });
    org.on(AttachPolicyCommand).rejects(
      new ConstraintViolationException({
        message: "You have attached the maximum number of policies",
        Reason: "POLICY_NUMBER_LIMIT_EXCEEDED",
        $metadata: {},
      }),
    );
    await expect(applyChanges(ctx, "bpl-1", { intervalMs: 0 })).rejects.toMatchObject({
      name: "BaselineChangeError",
      key: "scpTarget/guard/111111111111",
      message: expect.stringContaining("a target holds at most 5 SCPs"),
    });
  });
});
