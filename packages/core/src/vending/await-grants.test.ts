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

describe("the assignments' polling schedule", () => {
  it("asks again only about the assignments still in progress", async () => {
    const { ctx, store, clock } = unitContext();
    const state = vendState(store, {
      ...created,
      grant: {
        pending: ["a-1", "a-2"],
        more: false,
        created: 2,
        skipped: 0,
        startedAt: "2026-11-23T12:00:00Z",
      },
    });
    sso
      .on(DescribeAccountAssignmentCreationStatusCommand, { AccountAssignmentCreationRequestId: "a-1" })
      .resolves({ AccountAssignmentCreationStatus: { Status: "SUCCEEDED" } })
      .on(DescribeAccountAssignmentCreationStatusCommand, { AccountAssignmentCreationRequestId: "a-2" })
      .resolvesOnce({ AccountAssignmentCreationStatus: { Status: "IN_PROGRESS" } })
      .resolves({ AccountAssignmentCreationStatus: { Status: "SUCCEEDED" } });

    const first = await awaitGrants(ctx, state);
    clock.now = new Date(clock.now.getTime() + first.waitSeconds * 1000);
    const second = await awaitGrants(ctx, { ...state, awaitGrants: first });

    expect(second.done).toBe(true);
    const asked = sso
      .commandCalls(DescribeAccountAssignmentCreationStatusCommand)
      .map((c) => c.args[0].input.AccountAssignmentCreationRequestId);
    expect(asked).toEqual(["a-1", "a-2", "a-2"]);
  });

  it("never waits longer than half the time already waited (after the first second), nor pollMaxSeconds", async () => {
    for (const random of [0, 0.5, 0.999]) {
      const { ctx, store, clock } = unitContext({ creation: { pollMaxSeconds: 60 } });
      ctx.retry.random = () => random;
      const state = vendState(store, {
        ...created,
        grant: { pending: ["a-1"], more: false, created: 1, skipped: 0, startedAt: "2026-11-23T12:00:00Z" },
      });
      sso.reset();
      sso
        .on(DescribeAccountAssignmentCreationStatusCommand)
        .resolves({ AccountAssignmentCreationStatus: { Status: "IN_PROGRESS" } });
      const start = clock.now.getTime();
      let progress = await awaitGrants(ctx, state);
      for (let i = 0; i < 25; i++) {
        const waited = (clock.now.getTime() - start) / 1000;
        expect(progress.waitSeconds).toBeLessThanOrEqual(Math.max(1, waited / 2));
        expect(progress.waitSeconds).toBeLessThanOrEqual(60);
        clock.now = new Date(clock.now.getTime() + progress.waitSeconds * 1000);
        progress = await awaitGrants(ctx, { ...state, awaitGrants: progress });
      }
      // Growing: 25 checks cover minutes, not seconds.
      expect((clock.now.getTime() - start) / 1000).toBeGreaterThan(120);
    }
  });
});
