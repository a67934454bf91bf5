import { DescribeCreateAccountStatusCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { unitContext, vendState } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { resumeOnCreationEvent } from "./creation-events";
import { runStage } from "./run-stage";

const org = mockClient(OrganizationsClient);

beforeEach(() => {
  org.reset();
});

/** Organizations' CreateAccountResult, as the rule on the default bus delivers it. */
function creationEvent(id: string, state: string, accountId?: string) {
  return {
    id: `evt-${id}-${state}`,
    source: "aws.organizations",
    "detail-type": "AWS Service Event via CloudTrail",
    detail: {
      eventSource: "organizations.amazonaws.com",
      eventName: "CreateAccountResult",
      serviceEventDetails: { createAccountStatus: { id, state, accountId } },
    },
  };
}

const inProgress = { CreateAccountStatus: { Id: "car-1", State: "IN_PROGRESS" as const } };
const succeeded = {
  CreateAccountStatus: { Id: "car-1", State: "SUCCEEDED" as const, AccountId: "210987654321" },
};

describe("waiting for the account's creation on a task token", () => {
  it("arms the token while IN_PROGRESS; the event resumes it, and the check after it finishes: two status calls", async () => {
    const { ctx, store, workflows } = unitContext();
    const state = vendState(store, {
      create: { createRequestId: "car-1", requestedAt: ctx.clock().toISOString(), adopted: false },
    });
    org.on(DescribeCreateAccountStatusCommand).resolvesOnce(inProgress).resolves(succeeded);

    const first = await runStage(ctx, "awaitCreation", { executionArn: "arn:x", state, taskToken: "t1" });
    expect(first).toMatchObject({ done: false, waiting: true });
    // Waiting: the task is not completed by its own function.
    expect(workflows.completed).toEqual([]);
    expect((await store.get(state.requestId))?.steps.awaitCreation?.status).toBe("RUNNING");

    expect(await resumeOnCreationEvent(ctx, creationEvent("car-1", "SUCCEEDED", "210987654321"))).toBe(
      "resumed",
    );
    expect(workflows.completed).toEqual([
      { taskToken: "t1", output: expect.objectContaining({ done: false }) },
    ]);

    const woke = workflows.completed[0]?.output as never;
    await runStage(ctx, "awaitCreation", {
      executionArn: "arn:x",
      state: { ...state, awaitCreation: woke },
      taskToken: "t2",
    });
    expect(workflows.completed[1]).toEqual({
      taskToken: "t2",
      output: expect.objectContaining({ done: true, accountId: "210987654321" }),
    });
    expect(org.commandCalls(DescribeCreateAccountStatusCommand)).toHaveLength(2);
    expect((await store.get(state.requestId))?.accountId).toBe("210987654321");
  });

  it("resumes at once when the event came between the check and the arming of the token", async () => {
    const { ctx, store, workflows } = unitContext();
    const state = vendState(store, { create: { createRequestId: "car-1", adopted: false } });
    org.on(DescribeCreateAccountStatusCommand).resolves(inProgress);

    // Nobody waits yet: the event is kept for the wait.
    expect(await resumeOnCreationEvent(ctx, creationEvent("car-1", "SUCCEEDED"))).toBe("posted");
    const result = await runStage(ctx, "awaitCreation", { executionArn: "arn:x", state, taskToken: "t1" });

    expect(result).toMatchObject({ done: false, waiting: false });
    expect(workflows.completed.map((c) => c.taskToken)).toEqual(["t1"]);
  });

  it("gives the event to the next wait when the token it found had timed out (the fallback fired meanwhile)", async () => {
    const { ctx, store, workflows } = unitContext();
    const state = vendState(store, { create: { createRequestId: "car-1", adopted: false } });
    org.on(DescribeCreateAccountStatusCommand).resolves(inProgress);
    await runStage(ctx, "awaitCreation", { executionArn: "arn:x", state, taskToken: "t1" });
    workflows.expiredTokens.add("t1");

    expect(await resumeOnCreationEvent(ctx, creationEvent("car-1", "SUCCEEDED"))).toBe("posted");
    // The fallback round arms a new token and takes the event at once.
    const next = await runStage(ctx, "awaitCreation", { executionArn: "arn:x", state, taskToken: "t2" });

    expect(next).toMatchObject({ waiting: false });
    expect(workflows.completed.map((c) => c.taskToken)).toEqual(["t2"]);
  });

  it("keeps the creation's deadline across fallback rounds: it counts from CreateAccount, not from the round", async () => {
    const { ctx, store, clock } = unitContext({ creation: { deadlineMinutes: 30 } });
    const requestedAt = ctx.clock().toISOString();
    const state = vendState(store, { create: { createRequestId: "car-1", requestedAt, adopted: false } });
    org.on(DescribeCreateAccountStatusCommand).resolves(inProgress);
    await runStage(ctx, "awaitCreation", { executionArn: "arn:x", state, taskToken: "t1" });

    // Seven fallback rounds later (no previous result in the state after a timeout).
    clock.now = new Date(clock.now.getTime() + 31 * 60_000);
    await expect(
      runStage(ctx, "awaitCreation", { executionArn: "arn:x", state, taskToken: "t8" }),
    ).rejects.toThrow(/DEADLINE_EXCEEDED/);
  });

  it("allows for a status that lags behind the event: looks again in the same invocation, then finishes", async () => {
    const { ctx, store, workflows, retry } = unitContext();
    const state = vendState(store, { create: { createRequestId: "car-1", adopted: false } });
    org
      .on(DescribeCreateAccountStatusCommand)
      .resolvesOnce(inProgress)
      .resolvesOnce(inProgress)
      .resolvesOnce(inProgress)
      .resolves(succeeded);
    await runStage(ctx, "awaitCreation", { executionArn: "arn:x", state, taskToken: "t1" });
    await resumeOnCreationEvent(ctx, creationEvent("car-1", "SUCCEEDED"));
    const woke = workflows.completed[0]?.output as never;
    retry.delays.length = 0;

    await runStage(ctx, "awaitCreation", {
      executionArn: "arn:x",
      state: { ...state, awaitCreation: woke },
      taskToken: "t2",
    });

    expect(retry.delays).toEqual([1000, 2000]);
    expect(workflows.completed[1]?.output).toMatchObject({ done: true, accountId: "210987654321" });
  });

  it("ignores what is not a creation's end, and an IN_PROGRESS report", async () => {
    const { ctx, workflows } = unitContext();

    expect(
      await resumeOnCreationEvent(ctx, { source: "aws.organizations", detail: { eventName: "MoveAccount" } }),
    ).toBe("not-ours");
    expect(await resumeOnCreationEvent(ctx, creationEvent("car-1", "IN_PROGRESS"))).toBe("in-progress");
    expect(workflows.completed).toEqual([]);
  });

  it("completes the token at once when the creation is already over at the first check", async () => {
    const { ctx, store, workflows } = unitContext();
    const state = vendState(store, { create: { createRequestId: "car-1", adopted: false } });
    org.on(DescribeCreateAccountStatusCommand).resolves(succeeded);

    await runStage(ctx, "awaitCreation", { executionArn: "arn:x", state, taskToken: "t1" });

    expect(workflows.completed).toEqual([
      { taskToken: "t1", output: expect.objectContaining({ done: true, accountId: "210987654321" }) },
    ]);
    // One write for the step (SUCCEEDED), none for a RUNNING it never was.
    const step = (await store.get(state.requestId))?.steps.awaitCreation;
    expect(step?.status).toBe("SUCCEEDED");
  });
});
