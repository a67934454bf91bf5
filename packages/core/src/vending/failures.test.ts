import { unitContext, vendState } from "@test/support/unit-context";
import { describe, expect, it } from "vitest";
import { recordExecutionFailure, recordFailure, retriedByWorkflow } from "./failures";

const change = (requestId: string) => ({
  executionArn: `arn:aws:states:us-east-1:1:execution:prod-quartermaster-vend-account:${requestId}`,
  stateMachineArn: "arn:aws:states:us-east-1:1:stateMachine:prod-quartermaster-vend-account",
  name: requestId,
  status: "FAILED",
  error: "TransientAwsError",
  cause: JSON.stringify({
    errorType: "TransientAwsError",
    errorMessage: "AWS_TRANSIENT: sso:CreateAccountAssignment: ThrottlingException",
  }),
  input: JSON.stringify({ requestId }),
});

describe("recordExecutionFailure", () => {
  it("fails the request at the step that was running, with the code and message from the Lambda cause", async () => {
    const { ctx, store, events } = unitContext();
    const state = vendState(store);
    await store.putStep(
      state.requestId,
      { name: "grant", status: "RUNNING", startedAt: "2026-11-23T11:59:00Z" },
      "x",
    );

    expect(await recordExecutionFailure(ctx, change(state.requestId))).toBe(true);

    const record = await store.get(state.requestId);
    expect(record?.status).toBe("FAILED");
    expect(record?.error).toEqual({
      step: "grant",
      code: "AWS_TRANSIENT",
      message: "sso:CreateAccountAssignment: ThrottlingException",
    });
    expect(record?.steps.grant?.status).toBe("FAILED");
    expect(events.events.map((e) => e.detailType)).toEqual(["Account Vending Failed"]);
  });

  it("leaves a request a task already recorded, so the failure is announced once", async () => {
    const { ctx, store, events } = unitContext();
    const state = vendState(store);
    await recordFailure(ctx, {
      requestId: state.requestId,
      step: "place",
      code: "ACCESS_DENIED",
      message: "denied",
    });

    expect(await recordExecutionFailure(ctx, change(state.requestId))).toBe(false);
    expect((await store.get(state.requestId))?.error?.code).toBe("ACCESS_DENIED");
    expect(events.events).toHaveLength(1);
  });

  it("ignores executions of other state machines", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);

    expect(
      await recordExecutionFailure(ctx, {
        ...change(state.requestId),
        stateMachineArn: "arn:x:stateMachine:prod-sandbox-cleanup",
      }),
    ).toBe(false);
  });
});

describe("retriedByWorkflow", () => {
  it("names exactly the errors the state machine retries", () => {
    expect(retriedByWorkflow("TransientAwsError")).toBe(true);
    expect(retriedByWorkflow("CreateSlotUnavailableError")).toBe(true);
    expect(retriedByWorkflow("Lambda.ServiceException")).toBe(true);
    expect(retriedByWorkflow("TerminalAwsError")).toBe(false);
    expect(retriedByWorkflow("AccountCreationFailedError")).toBe(false);
  });
});
