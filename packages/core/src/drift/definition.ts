import { fanOutState, itemDone } from "../fanout/definition";
import { type AslDefinition, lambdaTask } from "../workflow/asl";

export const DRIFT_TASKS = [
  "startCheck",
  "checkAccount",
  "awaitBaseline",
  "finishCheck",
  "startRepair",
  "repairAccount",
  "finishRepair",
] as const;
export type DriftTask = (typeof DRIFT_TASKS)[number];

/** Task state name -> task, for the local runner. */
export const DRIFT_TASK_STATES: Record<string, DriftTask> = {
  StartCheck: "startCheck",
  CheckAccount: "checkAccount",
  AwaitBaseline: "awaitBaseline",
  FinishCheck: "finishCheck",
  StartRepair: "startRepair",
  RepairAccount: "repairAccount",
  FinishRepair: "finishRepair",
};

/** The Wait states (local mode shortens them). */
export const DRIFT_WAIT_STATES = ["WaitForBaseline"] as const;

/**
 * Accounts read at once. Each child makes 4 + 1 per permission set read calls: Organizations
 * (ListParents, ListTagsForResource), Budgets (DescribeBudget, DescribeNotificationsForBudget) and
 * Identity Center (ListAccountAssignments, 20 a second per instance, shared with vending's grants).
 * Five children at once stay well under each service's rate; 5,000 accounts take about 20 minutes.
 */
export const DRIFT_CHECK_CONCURRENCY = 5;
/**
 * Accounts repaired at once. A repair may create assignments, and Identity Center allows 10
 * outstanding per instance: two accounts at once, each awaiting its own, keep within it.
 */
export const DRIFT_REPAIR_CONCURRENCY = 2;

/**
 * The `drift` state machine, one definition for a check and for its repair:
 * - `{"action": "check"}` (or the schedule's `{}`): `StartCheck` writes every vended account with
 *   what its request asked for to the items bucket, and starts the baseline's plan; the fan-out
 *   engine compares each account in a child execution; `AwaitBaseline` waits for the plan;
 *   `FinishCheck` counts, and announces drift on Slack.
 * - `{"action": "repair", "repairId"}`: `StartRepair` writes the accounts to repair; each is
 *   converged in a child (or skipped with the reason); `FinishRepair` records the end.
 */
export function driftDefinition(arns: Record<DriftTask, string>): AslDefinition {
  return {
    Comment: "Quartermaster: check vended accounts and the baseline for drift, or repair a check's accounts",
    StartAt: "Repair?",
    TimeoutSeconds: 24 * 60 * 60,
    States: {
      "Repair?": {
        Type: "Choice",
        // The schedule's input may name no action: a check.
        Choices: [
          {
            And: [
              { Variable: "$.action", IsPresent: true },
              { Variable: "$.action", StringEquals: "repair" },
            ],
            Next: "StartRepair",
          },
        ],
        Default: "StartCheck",
      },
      StartCheck: lambdaTask(arns.startCheck, {
        resultPath: "$.check",
        next: "CheckAccounts",
        catchTo: "FinishCheck",
      }),
      CheckAccounts: fanOutState({
        label: "CheckAccounts",
        itemsPath: "$.check.items",
        itemSelector: { "checkId.$": "$.check.checkId", "account.$": "$$.Map.Item.Value" },
        maxConcurrency: DRIFT_CHECK_CONCURRENCY,
        processor: {
          StartAt: "CheckAccount",
          States: {
            // The task records what it could not read as the account's result: a child never fails on it.
            CheckAccount: lambdaTask(arns.checkAccount, { resultPath: null, next: "AccountChecked" }),
            AccountChecked: itemDone(),
          },
        },
        next: "AwaitBaseline",
        catchTo: "FinishCheck",
      }),
      AwaitBaseline: lambdaTask(arns.awaitBaseline, {
        resultPath: "$.baseline",
        next: "BaselineRead?",
        catchTo: "FinishCheck",
      }),
      "BaselineRead?": {
        Type: "Choice",
        Choices: [{ Variable: "$.baseline.done", BooleanEquals: true, Next: "FinishCheck" }],
        Default: "WaitForBaseline",
      },
      WaitForBaseline: { Type: "Wait", SecondsPath: "$.baseline.waitSeconds", Next: "AwaitBaseline" },
      FinishCheck: lambdaTask(arns.finishCheck, { resultPath: "$.outcome", next: "Failed?" }),
      StartRepair: lambdaTask(arns.startRepair, {
        resultPath: "$.repair",
        next: "RepairAccounts",
        catchTo: "FinishRepair",
      }),
      RepairAccounts: fanOutState({
        label: "RepairAccounts",
        itemsPath: "$.repair.items",
        itemSelector: { "repairId.$": "$.repair.repairId", "account.$": "$$.Map.Item.Value" },
        maxConcurrency: DRIFT_REPAIR_CONCURRENCY,
        processor: {
          StartAt: "RepairAccount",
          States: {
            RepairAccount: lambdaTask(arns.repairAccount, { resultPath: null, next: "AccountRepaired" }),
            AccountRepaired: itemDone(),
          },
        },
        next: "FinishRepair",
        catchTo: "FinishRepair",
      }),
      FinishRepair: lambdaTask(arns.finishRepair, { resultPath: "$.outcome", next: "Failed?" }),
      "Failed?": {
        Type: "Choice",
        Choices: [{ Variable: "$.outcome.status", StringEquals: "FAILED", Next: "DriftFailed" }],
        Default: "DriftDone",
      },
      DriftFailed: { Type: "Fail", Error: "DriftFailed", Cause: "See the check's or the repair's error" },
      DriftDone: { Type: "Succeed" },
    },
  };
}
