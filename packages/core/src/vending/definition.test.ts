import validator from "asl-validator";
import { describe, expect, it } from "vitest";
import { localTaskArns } from "../workflow/asl";
import { VEND_TASK_STATES, VEND_WAIT_STATES, vendAccountDefinition } from "./definition";
import { CREATION_FALLBACK_SECONDS, VEND_STAGE_NAMES, VEND_STEPS } from "./stages";

const definition = vendAccountDefinition(localTaskArns(VEND_STAGE_NAMES, "us-east-1"));

describe("vendAccountDefinition", () => {
  it("is valid Amazon States Language", () => {
    const result = validator(definition, { checkPaths: true, checkArn: true });

    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it("maps every Task state to a task and every task to one Task state", () => {
    const taskStates = Object.entries(definition.States)
      .filter(([, s]) => s.Type === "Task")
      .map(([name]) => name);

    expect(taskStates.sort()).toEqual(Object.keys(VEND_TASK_STATES).sort());
    expect(new Set(Object.values(VEND_TASK_STATES))).toEqual(new Set(VEND_STAGE_NAMES));
  });

  it("retries Lambda service errors and transient AWS errors with full jitter on every task", () => {
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== "Task") continue;
      const retry = state.Retry as { ErrorEquals: string[]; JitterStrategy: string }[];
      expect(
        retry.flatMap((r) => r.ErrorEquals),
        name,
      ).toEqual(
        expect.arrayContaining([
          "Lambda.ClientExecutionTimeoutException",
          "Lambda.ServiceException",
          "Lambda.AWSLambdaException",
          "Lambda.SdkClientException",
          "Lambda.TooManyRequestsException",
          "TransientAwsError",
        ]),
      );
      expect(
        retry.every((r) => r.JitterStrategy === "FULL"),
        name,
      ).toBe(true);
    }
  });

  it("waits for a CreateAccount slot with its own long, jittered retrier", () => {
    const retry = definition.States.Create?.Retry as {
      ErrorEquals: string[];
      MaxAttempts: number;
      JitterStrategy: string;
    }[];

    expect(retry.find((r) => r.ErrorEquals.includes("CreateSlotUnavailableError"))).toMatchObject({
      MaxAttempts: 40,
      JitterStrategy: "FULL",
    });
  });

  it("runs the stages in the table's order, each state named after its stage, its result in the stage's slot", () => {
    expect(definition.StartAt).toBe("Create");
    expect(Object.keys(VEND_TASK_STATES)).toEqual([
      "Create",
      "AwaitCreation",
      "Place",
      "Grant",
      "AwaitGrants",
      "Budget",
      "Tag",
      "Record",
    ]);
    expect(definition.States.Place).toMatchObject({ ResultPath: "$.place", Next: "Grant" });
    expect(definition.States.AwaitGrantsDone?.toString()).toBeUndefined();
    expect(definition.States["AwaitGrantsDone?"]).toMatchObject({ Type: "Choice", Default: "WaitForGrants" });
    expect(definition.States.Record).toMatchObject({ ResultPath: "$.record", End: true });
    expect(VEND_STEPS).toEqual(["create", "awaitCreation", "place", "grant", "budget", "tag"]);
  });

  it("catches only the creation wait's own timeout, so a failed step ends the execution there and a redrive resumes at that step", () => {
    for (const [name, state] of Object.entries(definition.States)) {
      if (name === "AwaitCreation") continue;
      expect(state.Catch, name).toBeUndefined();
    }
    expect(definition.States.AwaitCreation?.Catch).toEqual([
      { ErrorEquals: ["States.Timeout"], ResultPath: "$.awaitCreationFallback", Next: "AwaitCreation" },
    ]);
    expect(Object.values(definition.States).some((s) => s.Type === "Fail")).toBe(false);
  });

  it("waits for the account's creation on a task token, checking again after the fallback, and polls assignments through a Wait state", () => {
    expect(definition.States.AwaitCreation).toMatchObject({
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Parameters: {
        FunctionName: expect.stringContaining("awaitCreation"),
        Payload: { "executionArn.$": "$$.Execution.Id", "state.$": "$", "taskToken.$": "$$.Task.Token" },
      },
      TimeoutSeconds: CREATION_FALLBACK_SECONDS,
      ResultPath: "$.awaitCreation",
      Next: "AwaitCreationDone?",
    });
    expect(definition.States["AwaitCreationDone?"]).toMatchObject({
      Choices: [{ Variable: "$.awaitCreation.done", BooleanEquals: true, Next: "Place" }],
      Default: "AwaitCreation",
    });
    expect(VEND_WAIT_STATES).toEqual(["WaitForGrants"]);
    expect(definition.States.WaitForGrants).toMatchObject({ Type: "Wait", SecondsPath: expect.any(String) });
  });
});
