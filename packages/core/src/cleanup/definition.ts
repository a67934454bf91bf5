import { type AslDefinition, lambdaTask } from "../workflow/asl";

export const CLEANUP_TASKS = ["startRun", "planAccount", "startRegion", "checkRegion", "finishRun"] as const;
export type CleanupTask = (typeof CLEANUP_TASKS)[number];

/** Task state name -> task, for the local runner. */
export const CLEANUP_TASK_STATES: Record<string, CleanupTask> = {
  StartRun: "startRun",
  PlanAccount: "planAccount",
  StartRegion: "startRegion",
  CheckRegion: "checkRegion",
  FinishRun: "finishRun",
};

/** Wait states of `sandbox-cleanup`; the local runner shortens them through overrides. */
export const CLEANUP_WAIT_STATES = ["WaitForDeletions"];

/** Regions of one account cleaned at once. */
export const REGION_CONCURRENCY = 4;

/**
 * The `sandbox-cleanup` state machine: plan, then a Map over accounts with bounded concurrency (one
 * account's failure never stops the others), in each a Map over the account's regions, in each a loop:
 * `StartRegion` starts the deletions that may start, `WaitForDeletions` waits, `CheckRegion` looks once,
 * until the region is done or its deadline has passed (DESIGN rule 11: no task waits on a deletion).
 * Each task saves the region's report as it goes; `FinishRun` reports the run.
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
          StartAt: "PlanAccount",
          States: {
            PlanAccount: lambdaTask(arns.planAccount, {
              resultPath: "$.planned",
              next: "CleanRegions",
              catchTo: "AccountTaskFailed",
            }),
            CleanRegions: {
              Type: "Map",
              ItemsPath: "$.planned.regions",
              MaxConcurrency: REGION_CONCURRENCY,
              ItemSelector: {
                "runId.$": "$.runId",
                "dryRun.$": "$.dryRun",
                "account.$": "$.account",
                "region.$": "$$.Map.Item.Value",
              },
              ItemProcessor: {
                ProcessorConfig: { Mode: "INLINE" },
                StartAt: "StartRegion",
                States: {
                  StartRegion: lambdaTask(arns.startRegion, {
                    resultPath: "$.progress",
                    next: "RegionDone?",
                    catchTo: "RegionTaskFailed",
                  }),
                  "RegionDone?": {
                    Type: "Choice",
                    Choices: [{ Variable: "$.progress.done", BooleanEquals: true, Next: "RegionCleaned" }],
                    Default: "WaitForDeletions",
                  },
                  WaitForDeletions: {
                    Type: "Wait",
                    SecondsPath: "$.progress.waitSeconds",
                    Next: "CheckRegion",
                  },
                  CheckRegion: lambdaTask(arns.checkRegion, {
                    resultPath: "$.progress",
                    next: "RegionDone?",
                    catchTo: "RegionTaskFailed",
                  }),
                  RegionCleaned: { Type: "Succeed" },
                  // FinishRun reports a region whose loop did not end; the other regions carry on.
                  RegionTaskFailed: { Type: "Pass", End: true },
                },
              },
              ResultPath: null,
              End: true,
              Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "AccountTaskFailed" }],
            },
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
