import { fanOutState, itemDone } from "../fanout/definition";
import { type AslDefinition, lambdaTask } from "../workflow/asl";

export const BASELINE_TASKS = [
  "startPlan",
  "readGroup",
  "finishPlan",
  "applyChanges",
  "finishApply",
] as const;
export type BaselineTask = (typeof BASELINE_TASKS)[number];

/** Task state name -> task, for the local runner. */
export const BASELINE_TASK_STATES: Record<string, BaselineTask> = {
  StartPlan: "startPlan",
  ReadGroup: "readGroup",
  FinishPlan: "finishPlan",
  ApplyChanges: "applyChanges",
  FinishApply: "finishApply",
};

/**
 * Groups read at once. Each reads its assignments across the organisation with
 * ListAccountAssignmentsForPrincipal, one of Identity Center's read calls (20 a second per instance,
 * shared with vending's grants): 5 at once keeps well under it.
 */
export const BASELINE_READ_CONCURRENCY = 5;

/**
 * The `baseline` state machine, one definition for both of a plan's executions (DESIGN: fewer
 * state machines where one serves two):
 * - `{"action": "plan"}`: `StartPlan` reads the organisation but the assignments and writes it to
 *   the items bucket; the fan-out engine reads each group's assignments in a child execution;
 *   `FinishPlan` computes the changes and makes the plan READY.
 * - `{"action": "apply"}`: `ApplyChanges` applies the changes in order for a minute at a time, the
 *   state machine waiting between calls while Identity Center provisions; `FinishApply` records it.
 */
export function baselineDefinition(arns: Record<BaselineTask, string>): AslDefinition {
  return {
    Comment: "Quartermaster: plan a baseline against the organisation, or apply a plan",
    StartAt: "Apply?",
    TimeoutSeconds: 24 * 60 * 60,
    States: {
      "Apply?": {
        Type: "Choice",
        Choices: [{ Variable: "$.action", StringEquals: "apply", Next: "ApplyChanges" }],
        Default: "StartPlan",
      },
      StartPlan: lambdaTask(arns.startPlan, {
        resultPath: "$.plan",
        next: "ReadGroups",
        catchTo: "FinishPlan",
      }),
      ReadGroups: fanOutState({
        label: "ReadGroups",
        itemsPath: "$.plan.items",
        itemSelector: { "planId.$": "$.plan.planId", "group.$": "$$.Map.Item.Value" },
        maxConcurrency: BASELINE_READ_CONCURRENCY,
        processor: {
          StartAt: "ReadGroup",
          States: {
            // A group that cannot be read fails its child; the map then fails, and so does the plan.
            ReadGroup: lambdaTask(arns.readGroup, { resultPath: null, next: "GroupRead" }),
            GroupRead: itemDone(),
          },
        },
        next: "FinishPlan",
        catchTo: "FinishPlan",
      }),
      FinishPlan: lambdaTask(arns.finishPlan, { resultPath: "$.outcome", next: "Failed?" }),
      ApplyChanges: lambdaTask(arns.applyChanges, {
        resultPath: "$.apply",
        next: "Applied?",
        catchTo: "FinishApply",
      }),
      "Applied?": {
        Type: "Choice",
        Choices: [{ Variable: "$.apply.done", BooleanEquals: true, Next: "FinishApply" }],
        Default: "WaitForIdentityCenter",
      },
      WaitForIdentityCenter: { Type: "Wait", SecondsPath: "$.apply.waitSeconds", Next: "ApplyChanges" },
      FinishApply: lambdaTask(arns.finishApply, { resultPath: "$.outcome", next: "Failed?" }),
      "Failed?": {
        Type: "Choice",
        Choices: [{ Variable: "$.outcome.status", StringEquals: "FAILED", Next: "BaselineFailed" }],
        Default: "BaselineDone",
      },
      BaselineFailed: { Type: "Fail", Error: "BaselineFailed", Cause: "See the plan's error" },
      BaselineDone: { Type: "Succeed" },
    },
  };
}
