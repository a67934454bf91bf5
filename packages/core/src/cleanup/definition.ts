import { type AslDefinition, lambdaTask } from "../workflow/asl";

export const CLEANUP_TASKS = ["startRun", "cleanAccount", "finishRun"] as const;
export type CleanupTask = (typeof CLEANUP_TASKS)[number];

/** Task state name -> task, for the local runner. */
export const CLEANUP_TASK_STATES: Record<string, CleanupTask> = {
  StartRun: "startRun",
  CleanAccount: "cleanAccount",
  FinishRun: "finishRun",
};

/**
 * The `sandbox-cleanup` state machine: plan, then a Map over accounts with bounded
 * concurrency (one account's failure never stops the others), then the report.
 */
export function sandboxCleanupDefinition(
  arns: Record<CleanupTask, string>,
  options: { maxConcurrency: number },
): AslDefinition {
  return {
    Comment:
      "Quartermaster: delete the CloudFormation stacks of every sandbox account, safely, with a report",
    StartAt: "StartRun",
    TimeoutSeconds: 6 * 60 * 60,
    States: {
      StartRun: lambdaTask(arns.startRun, {
        resultPath: "$.plan",
        next: "CleanAccounts",
        catchTo: "FinishRun",
      }),
      CleanAccounts: {
        Type: "Map",
        ItemsPath: "$.plan.accounts",
        MaxConcurrency: options.maxConcurrency,
        ItemSelector: {
          "runId.$": "$.plan.runId",
          "dryRun.$": "$.plan.dryRun",
          "account.$": "$$.Map.Item.Value",
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: "CleanAccount",
          States: {
            CleanAccount: lambdaTask(arns.cleanAccount, {
              resultPath: "$.result",
              catchTo: "AccountTaskFailed",
            }),
            // The report marks accounts without a result as failed; the other accounts carry on.
            AccountTaskFailed: { Type: "Pass", End: true },
          },
        },
        ResultPath: null,
        Next: "FinishRun",
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "FinishRun" }],
      },
      FinishRun: lambdaTask(arns.finishRun, { resultPath: "$.outcome", next: "RunFailed?" }),
      "RunFailed?": {
        Type: "Choice",
        Choices: [{ Variable: "$.error", IsPresent: true, Next: "CleanupFailed" }],
        Default: "CleanupDone",
      },
      CleanupFailed: {
        Type: "Fail",
        Error: "CleanupFailed",
        Cause: "The clean-up could not run; see the run's report",
      },
      CleanupDone: { Type: "Succeed" },
    },
  };
}
