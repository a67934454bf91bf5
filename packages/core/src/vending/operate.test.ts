import { DescribeAccountCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { unitContext, vendState } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../errors";
import { retryRequest } from "./operate";

async function failedRequest() {
  const harness = unitContext();
  const state = vendState(harness.store);
  const arn = `arn:aws:states:us-east-1:111111111111:execution:vend-account:${state.requestId}`;
  await harness.store.addAttempt(
    state.requestId,
    { kind: "start", executionArn: arn, at: "2026-11-23T11:00:00Z" },
    "x",
  );
  await harness.store.fail(
    state.requestId,
    { code: "ACCESS_DENIED", message: "no", step: "place" },
    undefined,
    "x",
  );
  return { ...harness, state, arn };
}

const org = mockClient(OrganizationsClient);

beforeEach(() => {
  org.reset();
});

describe("retryRequest", () => {
  it("redrives a redrivable execution and records the attempt", async () => {
    const { ctx, workflows, state, arn } = await failedRequest();
    workflows.redrivable = true;

    const view = await retryRequest(ctx, state.requestId);

    expect(workflows.redriven).toEqual([arn]);
    expect(workflows.started).toHaveLength(0);
    expect(view.status).toBe("RUNNING");
    expect(view.error).toBeUndefined();
    expect(view.attempts.map((a) => a.kind)).toEqual(["start", "redrive"]);
  });

  it("starts a new execution named after the request and attempt when it cannot be redriven", async () => {
    const { ctx, workflows, state } = await failedRequest();
    workflows.redrivable = false;

    const view = await retryRequest(ctx, state.requestId);

    expect(workflows.redriven).toHaveLength(0);
    expect(workflows.started[0]).toMatchObject({ workflow: "vend-account", name: `${state.requestId}-2` });
    expect(workflows.started[0]?.input).toMatchObject({ requestId: state.requestId, request: state.request });
    expect(view.attempts.map((a) => a.kind)).toEqual(["start", "restart"]);
  });

  it("refuses a running or succeeded request with a conflict", async () => {
    const { ctx, workflows, state, store } = await failedRequest();
    workflows.status = "RUNNING";
    await expect(retryRequest(ctx, state.requestId)).rejects.toBeInstanceOf(ConflictError);

    await store.complete(state.requestId, { accountId: "1", ouId: "ou" }, "x");
    workflows.status = "SUCCEEDED";
    await expect(retryRequest(ctx, state.requestId)).rejects.toThrow(/already succeeded/);
  });

  it("lets exactly one of five concurrent retries win; the others get a conflict", async () => {
    const { ctx, workflows, state, store } = await failedRequest();
    workflows.redrivable = false;

    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => retryRequest(ctx, state.requestId)),
    );

    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const rejected = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    expect(rejected).toHaveLength(4);
    for (const reason of rejected) expect(reason).toBeInstanceOf(ConflictError);
    expect(workflows.started).toHaveLength(1);
    expect((await store.get(state.requestId))?.attempts.map((a) => a.kind)).toEqual(["start", "restart"]);
  });

  it("restarts instead of redriving when the request's account is no longer ACTIVE", async () => {
    const { ctx, workflows, state, store } = await failedRequest();
    await store.putStep(
      state.requestId,
      { name: "awaitCreation", status: "SUCCEEDED", startedAt: "x" },
      "x",
      { accountId: "123412341234" },
    );
    workflows.redrivable = true;
    org
      .on(DescribeAccountCommand, { AccountId: "123412341234" })
      .resolves({ Account: { Id: "123412341234", State: "SUSPENDED" } });

    await retryRequest(ctx, state.requestId);

    expect(workflows.redriven).toHaveLength(0);
    expect(workflows.started).toHaveLength(1);
  });

  it("answers not found for an unknown request", async () => {
    const { ctx } = unitContext();
    await expect(retryRequest(ctx, "req-none")).rejects.toBeInstanceOf(NotFoundError);
  });
});
