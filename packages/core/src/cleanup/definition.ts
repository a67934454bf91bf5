import { fanOutState, itemDone } from "../fanout/definition";
import { type AslDefinition, lambdaTask } from "../workflow/asl";

export const CLEANUP_TASKS = ["startRun", "cleanAccount", "finishRun"] as const;
export type CleanupTask = (typeof CLEANUP_TASKS)[number];

/** Task state name -> task, for the local runner: an account's first step and its checks are one task. */
export const CLEANUP_TASK_STATES: Record<string, CleanupTask> = {
  StartRun: "startRun",
  StartAccount: "cleanAccount",
  CheckAccount: "cleanAccount",
  FinishRun: "finishRun",
};

/** Wait states of `sandbox-cleanup`; the local runner shortens them through overrides. */
export const CLEANUP_WAIT_STATES = ["WaitForDeletions"];

/**
 * The `sandbox-cleanup` state machine: `StartRun` discovers the sandbox accounts and writes them to the
 * items bucket; the fan-out engine's Distributed Map runs each account as a child execution (its own
 * history) with bounded concurrency, one account's failure never stopping the others. An account's
 * work is one task per step for all its regions at once: `StartAccount` reads and plans every region
 * and starts the deletions that may start, `WaitForDeletions` waits, `CheckAccount` looks once at
 * every region still under way, until all are done or past their deadline (DESIGN rule 11: no task
 * waits on a deletion). Each step saves the account's report as it goes; `FinishRun` reports the run.
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
      CleanAccounts: fanOutState({
        label: "CleanAccounts",
        itemsPath: "$.plan.items",
        itemSelector: {
          "runId.$": "$.plan.runId",
          "dryRun.$": "$.plan.dryRun",
          "account.$": "$$.Map.Item.Value",
        },
        maxConcurrency: options.maxConcurrency,
        processor: {
          StartAt: "StartAccount",
          States: {
            StartAccount: lambdaTask(arns.cleanAccount, {
              resultPath: "$.progress",
              next: "AccountDone?",
              catchTo: "AccountTaskFailed",
            }),
            "AccountDone?": {
              Type: "Choice",
              Choices: [{ Variable: "$.progress.done", BooleanEquals: true, Next: "AccountCleaned" }],
              Default: "WaitForDeletions",
            },
            WaitForDeletions: {
              Type: "Wait",
              SecondsPath: "$.progress.waitSeconds",
              Next: "CheckAccount",
            },
            CheckAccount: lambdaTask(arns.cleanAccount, {
              resultPath: "$.progress",
              next: "AccountDone?",
              catchTo: "AccountTaskFailed",
            }),
            AccountCleaned: itemDone(),
            // FinishRun reports an account whose steps did not end; the other accounts carry on.
            AccountTaskFailed: itemDone(),
          },
        },
        next: "FinishRun",
        catchTo: "FinishRun",
      }),
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
