import {
  ConflictException,
  CreateAccountAssignmentCommand,
  ListAccountAssignmentsCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { unitContext, vendState } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { grantAccess, MAX_OUTSTANDING_ASSIGNMENTS } from "./grant";

const sso = mockClient(SSOAdminClient);
const created = { create: { accountId: "210987654321", adopted: true } };

beforeEach(() => {
  sso.reset();
});

describe("grantAccess", () => {
  it("creates one assignment per group and permission set with the account as target", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, created);
    sso.on(ListAccountAssignmentsCommand).resolves({ AccountAssignments: [] });
    sso
      .on(CreateAccountAssignmentCommand)
      .resolves({ AccountAssignmentCreationStatus: { Status: "IN_PROGRESS", RequestId: "a-1" } });

    const result = await grantAccess(ctx, state);

    expect(result).toMatchObject({ pending: ["a-1"], more: false, created: 1, skipped: 0 });
    expect(sso.commandCalls(CreateAccountAssignmentCommand)[0]?.args[0].input).toEqual({
      InstanceArn: "arn:aws:sso:::instance/ssoins-1",
      TargetId: "210987654321",
      TargetType: "AWS_ACCOUNT",
      PermissionSetArn: "arn:ps-admin",
      PrincipalType: "GROUP",
      PrincipalId: "g-admin",
    });
  });

  it("skips an assignment that already exists", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, created);
    sso.on(ListAccountAssignmentsCommand).resolves({
      AccountAssignments: [
        {
          AccountId: "210987654321",
          PrincipalType: "GROUP",
          PrincipalId: "g-admin",
          PermissionSetArn: "arn:ps-admin",
        },
      ],
    });

    const result = await grantAccess(ctx, state);

    expect(result).toMatchObject({ pending: [], created: 0, skipped: 1 });
    expect(sso.commandCalls(CreateAccountAssignmentCommand)).toHaveLength(0);
  });

  it("retries a ConflictException with backoff and then creates the assignment once", async () => {
    const { ctx, store, retry } = unitContext();
    const state = vendState(store, created);
    sso.on(ListAccountAssignmentsCommand).resolves({ AccountAssignments: [] });
    sso
      .on(CreateAccountAssignmentCommand)
      .rejectsOnce(new ConflictException({ message: "in progress", $metadata: {} }))
      .resolves({ AccountAssignmentCreationStatus: { Status: "IN_PROGRESS", RequestId: "a-2" } });

    const result = await grantAccess(ctx, state);

    expect(result.pending).toEqual(["a-2"]);
    expect(sso.commandCalls(CreateAccountAssignmentCommand)).toHaveLength(2);
    expect(retry.delays).toHaveLength(1);
  });

  it(`keeps at most ${MAX_OUTSTANDING_ASSIGNMENTS} assignment requests outstanding`, async () => {
    const { ctx, store } = unitContext();
    const sets = Array.from({ length: 12 }, (_, i) => ({ name: `PS${i}`, arn: `arn:ps-${i}` }));
    const base = vendState(store, created);
    const state = {
      ...base,
      resolved: { ...base.resolved, access: [{ group: "Admin", groupId: "g-admin", permissionSets: sets }] },
    };
    sso.on(ListAccountAssignmentsCommand).resolves({ AccountAssignments: [] });
    let n = 0;
    sso.on(CreateAccountAssignmentCommand).callsFake(async () => ({
      AccountAssignmentCreationStatus: { Status: "IN_PROGRESS", RequestId: `a-${n++}` },
    }));

    const result = await grantAccess(ctx, state);

    expect(result.pending).toHaveLength(MAX_OUTSTANDING_ASSIGNMENTS);
    expect(result.more).toBe(true);
  });
});

describe("granting on an account this request created", () => {
  const fresh = { create: { accountId: "210987654321", createRequestId: "car-1", adopted: false } };

  it("does not list assignments the first time: a new account has none", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, fresh);
    sso
      .on(CreateAccountAssignmentCommand)
      .resolves({ AccountAssignmentCreationStatus: { Status: "IN_PROGRESS", RequestId: "a-1" } });

    expect(await grantAccess(ctx, state)).toMatchObject({ pending: ["a-1"], created: 1 });
    expect(sso.commandCalls(ListAccountAssignmentsCommand)).toHaveLength(0);
  });

  it("lists them when the step ran before (a retry or a redrive), so nothing is assigned twice", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, fresh);
    await store.putStep(state.requestId, { name: "grant", status: "RUNNING", startedAt: "x" }, "x");
    sso.on(ListAccountAssignmentsCommand).resolves({
      AccountAssignments: [
        { PrincipalType: "GROUP", PrincipalId: "g-admin", PermissionSetArn: "arn:ps-admin" },
      ],
    });

    expect(await grantAccess(ctx, state)).toMatchObject({ created: 0, skipped: 1 });
    expect(sso.commandCalls(CreateAccountAssignmentCommand)).toHaveLength(0);
  });
});
