import { type AslDefinition, lambdaTask } from "../workflow/asl";
import { CLOSURE_TASKS, type ClosureTask } from "./tasks";

/** Task state name -> task, for the local runner. */
export const CLOSURE_TASK_STATES: Record<string, ClosureTask> = {
  Cleanup: "cleanup",
  Close: "close",
  Move: "move",
  Finish: "finish",
};

/** Wait states of `account-closure`; the local runner shortens them through overrides. */
export const CLOSURE_WAIT_STATES = ["WaitForCleanup", "WaitForQuota", "WaitForSuspended"];

export { CLOSURE_TASKS };

/**
 * The `account-closure` state machine: the clean-up of the account (a real run, polled), CloseAccount
 * converging on SUSPENDED (AWS's close quota is a long Wait, not a failure), the move to the closed OU,
 * then the announcement. Every wait is a Wait state (DESIGN rule 11); no task polls. No Catch: a failing
 * task records the closure FAILED itself, or the execution monitor does.
 */
export function accountClosureDefinition(arns: Record<ClosureTask, string>): AslDefinition {
  return {
    Comment: "Quartermaster: clean, close and park an AWS account",
    StartAt: "Cleanup",
    // No TimeoutSeconds: AWS's close quota is a share of the accounts over a rolling 30 days, so a closure
    // may wait about that long; each loop keeps its own deadline in its task (see closures/tasks).
    States: {
      Cleanup: lambdaTask(arns.cleanup, { resultPath: "$.cleanup", next: "CleanupDone?" }),
      "CleanupDone?": {
        Type: "Choice",
        Choices: [{ Variable: "$.cleanup.done", BooleanEquals: true, Next: "Close" }],
        Default: "WaitForCleanup",
      },
      WaitForCleanup: { Type: "Wait", SecondsPath: "$.cleanup.waitSeconds", Next: "Cleanup" },
      Close: lambdaTask(arns.close, { resultPath: "$.close", next: "Closed?" }),
      "Closed?": {
        Type: "Choice",
        Choices: [
          { Variable: "$.close.phase", StringEquals: "closed", Next: "Move" },
          { Variable: "$.close.phase", StringEquals: "quota", Next: "WaitForQuota" },
        ],
        Default: "WaitForSuspended",
      },
      WaitForQuota: { Type: "Wait", SecondsPath: "$.close.waitSeconds", Next: "Close" },
      WaitForSuspended: { Type: "Wait", SecondsPath: "$.close.waitSeconds", Next: "Close" },
      Move: lambdaTask(arns.move, { resultPath: "$.move", next: "Finish" }),
      Finish: lambdaTask(arns.finish, { resultPath: "$.outcome" }),
    },
  };
}
