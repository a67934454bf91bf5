import { type AslDefinition, type AslState, lambdaTask } from "../workflow/asl";

/** The Lambda tasks of `vend-account`; each is its own function with its own IAM policy. */
export const VEND_TASKS = [
  "createAccount",
  "checkAccountCreation",
  "placeAccount",
  "grantAccess",
  "checkGrants",
  "provisionBudget",
  "tagAccount",
  "recordSuccess",
  "recordFailure",
] as const;
export type VendTask = (typeof VEND_TASKS)[number];

/** Task state name -> the task it runs, so the local runner can map states to handlers. */
export const VEND_TASK_STATES: Record<string, VendTask> = {
  CreateAccount: "createAccount",
  CheckAccountCreation: "checkAccountCreation",
  PlaceAccount: "placeAccount",
  GrantAccess: "grantAccess",
  CheckGrants: "checkGrants",
  ProvisionBudget: "provisionBudget",
  TagAccount: "tagAccount",
  RecordSuccess: "recordSuccess",
  RecordFailure: "recordFailure",
};

/** Wait states of `vend-account`; the local runner shortens them through overrides. */
export const VEND_WAIT_STATES = ["WaitForAccountCreation", "WaitForGrants"] as const;

/** Failure handler for a step: names the step, then records the failure. */
function failed(step: string): AslState {
  return {
    Type: "Pass",
    Parameters: { step, "error.$": "$.error" },
    ResultPath: "$.failure",
    Next: "RecordFailure",
  };
}

/** The `vend-account` state machine, in JSONPath ASL. The deployed and the local runner both use this. */
export function vendAccountDefinition(arns: Record<VendTask, string>): AslDefinition {
  return {
    Comment: "Quartermaster: vend an AWS account (create, await, place, grant, budget, tag, record)",
    StartAt: "CreateAccount",
    TimeoutSeconds: 4 * 60 * 60,
    States: {
      CreateAccount: lambdaTask(arns.createAccount, {
        resultPath: "$.create",
        next: "CheckAccountCreation",
        catchTo: "CreateFailed",
        // Waiting for one of the five CreateAccount slots: up to about an hour, jittered.
        extraRetry: [
          {
            ErrorEquals: ["CreateSlotUnavailableError"],
            IntervalSeconds: 30,
            MaxAttempts: 40,
            BackoffRate: 1.2,
            MaxDelaySeconds: 120,
            JitterStrategy: "FULL",
          },
        ],
      }),
      CheckAccountCreation: lambdaTask(arns.checkAccountCreation, {
        resultPath: "$.creation",
        next: "AccountCreated?",
        catchTo: "AwaitCreationFailed",
      }),
      "AccountCreated?": {
        Type: "Choice",
        Choices: [{ Variable: "$.creation.done", BooleanEquals: true, Next: "PlaceAccount" }],
        Default: "WaitForAccountCreation",
      },
      WaitForAccountCreation: {
        Type: "Wait",
        SecondsPath: "$.creation.waitSeconds",
        Next: "CheckAccountCreation",
      },
      PlaceAccount: lambdaTask(arns.placeAccount, {
        resultPath: "$.place",
        next: "GrantAccess",
        catchTo: "PlaceFailed",
      }),
      GrantAccess: lambdaTask(arns.grantAccess, {
        resultPath: "$.grant",
        next: "CheckGrants",
        catchTo: "GrantFailed",
      }),
      CheckGrants: lambdaTask(arns.checkGrants, {
        resultPath: "$.grants",
        next: "GrantsDone?",
        catchTo: "GrantFailed",
      }),
      "GrantsDone?": {
        Type: "Choice",
        Choices: [
          {
            And: [
              { Variable: "$.grants.done", BooleanEquals: true },
              { Variable: "$.grants.more", BooleanEquals: true },
            ],
            Next: "GrantAccess",
          },
          { Variable: "$.grants.done", BooleanEquals: true, Next: "ProvisionBudget" },
        ],
        Default: "WaitForGrants",
      },
      WaitForGrants: { Type: "Wait", SecondsPath: "$.grants.waitSeconds", Next: "CheckGrants" },
      ProvisionBudget: lambdaTask(arns.provisionBudget, {
        resultPath: "$.budget",
        next: "TagAccount",
        catchTo: "BudgetFailed",
      }),
      TagAccount: lambdaTask(arns.tagAccount, {
        resultPath: "$.tag",
        next: "RecordSuccess",
        catchTo: "TagFailed",
      }),
      RecordSuccess: lambdaTask(arns.recordSuccess, {
        resultPath: "$.result",
        catchTo: "RecordFailedOutcome",
      }),
      CreateFailed: failed("create"),
      AwaitCreationFailed: failed("awaitCreation"),
      PlaceFailed: failed("place"),
      GrantFailed: failed("grant"),
      BudgetFailed: failed("budget"),
      TagFailed: failed("tag"),
      RecordFailedOutcome: failed("record"),
      RecordFailure: lambdaTask(arns.recordFailure, {
        resultPath: "$.recorded",
        next: "VendFailed",
        catchTo: "VendFailed",
      }),
      VendFailed: { Type: "Fail", ErrorPath: "$.failure.error.Error", CausePath: "$.failure.error.Cause" },
    },
  };
}
