import { type AslDefinition, lambdaTask, taskRetry } from "../workflow/asl";

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
};

/** Wait states of `vend-account`; the local runner shortens them through overrides. */
export const VEND_WAIT_STATES = ["WaitForAccountCreation", "WaitForGrants"] as const;

/** Waiting for one of the five CreateAccount slots: up to about an hour, jittered. */
export const CREATE_SLOT_RETRY = {
  ErrorEquals: ["CreateSlotUnavailableError"],
  IntervalSeconds: 30,
  MaxAttempts: 40,
  BackoffRate: 1.2,
  MaxDelaySeconds: 120,
  JitterStrategy: "FULL",
};

/**
 * The `vend-account` state machine, in JSONPath ASL. The deployed and the local runner both use this.
 * There is no Catch: a step that fails ends the execution at that step, so a redrive resumes there.
 * The failure is recorded by the task itself (terminal errors) or by the execution monitor.
 */
export function vendAccountDefinition(arns: Record<VendTask, string>): AslDefinition {
  return {
    Comment: "Quartermaster: vend an AWS account (create, await, place, grant, budget, tag, record)",
    StartAt: "CreateAccount",
    TimeoutSeconds: 4 * 60 * 60,
    States: {
      CreateAccount: lambdaTask(arns.createAccount, {
        resultPath: "$.create",
        next: "CheckAccountCreation",
        extraRetry: [CREATE_SLOT_RETRY],
      }),
      CheckAccountCreation: lambdaTask(arns.checkAccountCreation, {
        resultPath: "$.creation",
        next: "AccountCreated?",
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
      }),
      GrantAccess: lambdaTask(arns.grantAccess, {
        resultPath: "$.grant",
        next: "CheckGrants",
      }),
      CheckGrants: lambdaTask(arns.checkGrants, {
        resultPath: "$.grants",
        next: "GrantsDone?",
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
      }),
      TagAccount: lambdaTask(arns.tagAccount, {
        resultPath: "$.tag",
        next: "RecordSuccess",
      }),
      RecordSuccess: lambdaTask(arns.recordSuccess, {
        resultPath: "$.result",
      }),
    },
  };
}

/** Every error name some `vend-account` Task retries: a task failing with one is not necessarily the end. */
export const VEND_RETRIED_ERRORS: ReadonlySet<string> = new Set(
  [...taskRetry(), CREATE_SLOT_RETRY].flatMap((retrier) => retrier.ErrorEquals as string[]),
);
