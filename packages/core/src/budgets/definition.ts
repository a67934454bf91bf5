import { fanOutState, itemDone } from "../fanout/definition";
import { type AslDefinition, lambdaTask } from "../workflow/asl";

export const RECONCILE_TASKS = ["startReconcile", "createBudget", "finishReconcile"] as const;
export type ReconcileTask = (typeof RECONCILE_TASKS)[number];

/** Task state name -> task, for the local runner. */
export const RECONCILE_TASK_STATES: Record<string, ReconcileTask> = {
  StartReconcile: "startReconcile",
  CreateBudget: "createBudget",
  FinishReconcile: "finishReconcile",
};

/**
 * Accounts given a budget at once. AWS Budgets' write calls are throttled per payer account (a few a
 * second, undocumented), and each account is two or three of them: 5 keeps the fan-out under it, and
 * 5,000 accounts take about half an hour.
 */
export const RECONCILE_CONCURRENCY = 5;

/**
 * The `budget-reconcile` state machine: `StartReconcile` finds the accounts under the configured OUs
 * that lack a Quartermaster budget and writes them to the items bucket; the fan-out engine gives each
 * its budget in a child execution of its own; `FinishReconcile` ends the job from its counts.
 */
export function budgetReconcileDefinition(arns: Record<ReconcileTask, string>): AslDefinition {
  return {
    Comment: "Quartermaster: give every account under the configured OUs that lacks one its default budget",
    StartAt: "StartReconcile",
    TimeoutSeconds: 6 * 60 * 60,
    States: {
      StartReconcile: lambdaTask(arns.startReconcile, {
        resultPath: "$.plan",
        next: "CreateBudgets",
        catchTo: "FinishReconcile",
      }),
      CreateBudgets: fanOutState({
        label: "CreateBudgets",
        itemsPath: "$.plan.items",
        itemSelector: { "reconcileId.$": "$.plan.reconcileId", "account.$": "$$.Map.Item.Value" },
        maxConcurrency: RECONCILE_CONCURRENCY,
        processor: {
          StartAt: "CreateBudget",
          States: {
            CreateBudget: lambdaTask(arns.createBudget, {
              resultPath: null,
              next: "BudgetDone",
              catchTo: "BudgetNotCreated",
            }),
            BudgetDone: itemDone(),
            // FinishReconcile counts an account that recorded nothing as not created.
            BudgetNotCreated: itemDone(),
          },
        },
        next: "FinishReconcile",
        catchTo: "FinishReconcile",
      }),
      FinishReconcile: lambdaTask(arns.finishReconcile, {
        resultPath: "$.outcome",
        next: "ReconcileFailed?",
      }),
      "ReconcileFailed?": {
        Type: "Choice",
        Choices: [{ Variable: "$.error", IsPresent: true, Next: "ReconcileFailed" }],
        Default: "ReconcileDone",
      },
      ReconcileFailed: {
        Type: "Fail",
        Error: "ReconcileFailed",
        Cause: "The reconcile could not run; see its job",
      },
      ReconcileDone: { Type: "Succeed" },
    },
  };
}
