import { unitContext, vendState } from "@test/support/unit-context";
import { describe, expect, it } from "vitest";
import { makeExecutionMonitorHandler } from "./execution-monitor";
import { lambdaContextFor } from "./lambda-context";

describe("the execution monitor", () => {
  it("acknowledges a malformed status change without recording anything", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);
    const handler = makeExecutionMonitorHandler(() => ctx);

    const result = await handler(
      { id: "e-1", detail: { executionArn: 42, status: "FAILED" } },
      lambdaContextFor("monitor", 1000),
    );

    expect(result).toEqual({ recorded: false });
    expect((await store.get(state.requestId))?.status).toBe("PENDING");
  });

  it("records a FAILED execution of a vend request from a well-formed change", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);
    const arn = `arn:aws:states:us-east-1:111111111111:execution:vend-account:${state.requestId}`;
    await store.addAttempt(state.requestId, { kind: "start", executionArn: arn, at: "t" }, "t");
    const handler = makeExecutionMonitorHandler(() => ctx);

    const result = await handler(
      {
        id: "e-2",
        detail: {
          executionArn: arn,
          stateMachineArn: "arn:aws:states:us-east-1:111111111111:stateMachine:vend-account",
          name: state.requestId,
          status: "TIMED_OUT",
          error: "States.Timeout",
          cause: "took too long",
          input: JSON.stringify(state),
        },
      },
      lambdaContextFor("monitor", 1000),
    );

    expect(result).toEqual({ recorded: true });
    expect((await store.get(state.requestId))?.status).toBe("FAILED");
  });
});
