import { DescribeAccountAssignmentCreationStatusCommand, SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { unitContext, vendState } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AssignmentFailedError } from "../errors";
import { awaitGrants } from "./await-grants";

const sso = mockClient(SSOAdminClient);
const created = { create: { accountId: "210987654321", adopted: true } };

beforeEach(() => {
  sso.reset();
});

describe("awaitGrants", () => {
  it("fails the step with the reason when an assignment ends FAILED", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, {
      ...created,
      grant: { pending: ["a-1"], more: false, created: 1, skipped: 0, startedAt: "2026-11-23T12:00:00Z" },
    });
    sso.on(DescribeAccountAssignmentCreationStatusCommand).resolves({
      AccountAssignmentCreationStatus: {
        Status: "FAILED",
        FailureReason: "Permission set not provisioned",
        PermissionSetArn: "arn:ps-admin",
      },
    });

    const failure = awaitGrants(ctx, state);

    await expect(failure).rejects.toBeInstanceOf(AssignmentFailedError);
    await expect(failure).rejects.toThrow(/Permission set not provisioned/);
  });

  it("waits while an assignment is in progress and finishes when it succeeds", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, {
      ...created,
      grant: { pending: ["a-1"], more: false, created: 1, skipped: 0, startedAt: "2026-11-23T12:00:00Z" },
    });
    sso
      .on(DescribeAccountAssignmentCreationStatusCommand)
      .resolvesOnce({ AccountAssignmentCreationStatus: { Status: "IN_PROGRESS" } })
      .resolves({ AccountAssignmentCreationStatus: { Status: "SUCCEEDED" } });

    const first = await awaitGrants(ctx, state);
    const second = await awaitGrants(ctx, { ...state, awaitGrants: first });

    expect(first).toMatchObject({ done: false });
    expect(first.waitSeconds).toBeGreaterThan(0);
    expect(second).toMatchObject({ done: true, more: false });
    expect((await store.get(state.requestId))?.steps.grant?.status).toBe("SUCCEEDED");
  });
});
