import { type AslDefinition, type AslState, lambdaTask, taskRetry } from "../workflow/asl";
import { VEND_STAGE_NAMES, VEND_STAGES, type VendStage } from "./stages";

/** A stage's state name: the stage's name, capitalised (`awaitCreation` -> `AwaitCreation`). */
export function stateOf(stage: VendStage): string {
  return `${stage[0]?.toUpperCase()}${stage.slice(1)}`;
}

/** Task state name -> the stage it runs, so the local runner can map states to handlers. */
export const VEND_TASK_STATES: Record<string, VendStage> = Object.fromEntries(
  VEND_STAGE_NAMES.map((stage) => [stateOf(stage), stage]),
);

/** Wait states of `vend-account`; the local runner shortens them through overrides. */
export const VEND_WAIT_STATES: string[] = VEND_STAGE_NAMES.flatMap((stage) => {
  const spec = VEND_STAGES[stage];
  return "poll" in spec ? [spec.poll.waitState] : [];
});

/**
 * The states of one stage: its Task; for a polling stage its Choice and Wait; for a callback stage
 * its Choice (the Task itself waits for its token).
 */
function stageStates(stage: VendStage, arn: string, next: VendStage | undefined): Record<string, AslState> {
  const spec = VEND_STAGES[stage];
  const state = stateOf(stage);
  const extraRetry = "extraRetry" in spec ? [...spec.extraRetry] : [];
  if ("callback" in spec) {
    if (!next) throw new Error(`Callback stage ${stage} cannot be the last stage`);
    const choice = `${state}Done?`;
    return {
      // The function is invoked with a task token and the workflow waits for the token's completion;
      // past the fallback the task runs again (a status check that arms a new token).
      [state]: {
        ...lambdaTask(arn, { resultPath: `$.${stage}`, next: choice, extraRetry }),
        Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters: {
          FunctionName: arn,
          Payload: { "executionArn.$": "$$.Execution.Id", "state.$": "$", "taskToken.$": "$$.Task.Token" },
        },
        TimeoutSeconds: spec.callback.fallbackSeconds,
        Catch: [{ ErrorEquals: ["States.Timeout"], ResultPath: `$.${stage}Fallback`, Next: state }],
      },
      [choice]: {
        Type: "Choice",
        Choices: [{ Variable: `$.${stage}.done`, BooleanEquals: true, Next: stateOf(next) }],
        Default: state,
      },
    };
  }
  if (!("poll" in spec)) {
    return {
      [state]: lambdaTask(arn, { resultPath: `$.${stage}`, next: next && stateOf(next), extraRetry }),
    };
  }
  if (!next) throw new Error(`Polling stage ${stage} cannot be the last stage`);
  const choice = `${state}Done?`;
  const done = { Variable: `$.${stage}.done`, BooleanEquals: true };
  const more =
    "moreGoesTo" in spec.poll
      ? [
          {
            And: [done, { Variable: `$.${stage}.more`, BooleanEquals: true }],
            Next: stateOf(spec.poll.moreGoesTo as VendStage),
          },
        ]
      : [];
  return {
    [state]: lambdaTask(arn, { resultPath: `$.${stage}`, next: choice, extraRetry }),
    [choice]: {
      Type: "Choice",
      Choices: [...more, { ...done, Next: stateOf(next) }],
      Default: spec.poll.waitState,
    },
    [spec.poll.waitState]: { Type: "Wait", SecondsPath: `$.${stage}.waitSeconds`, Next: state },
  };
}

/**
 * The `vend-account` state machine, in JSONPath ASL, derived from the stage table: the deployed
 * state machine and the local runner both use it. There is no Catch: a stage that fails ends the
 * execution at that stage, so a redrive resumes there. The failure is recorded by the task itself
 * (terminal errors) or by the execution monitor.
 */
export function vendAccountDefinition(arns: Record<VendStage, string>): AslDefinition {
  const states = VEND_STAGE_NAMES.flatMap((stage, i) =>
    Object.entries(stageStates(stage, arns[stage], VEND_STAGE_NAMES[i + 1])),
  );
  return {
    Comment: `Quartermaster: vend an AWS account (${VEND_STAGE_NAMES.join(", ")})`,
    StartAt: stateOf(VEND_STAGE_NAMES[0] as VendStage),
    TimeoutSeconds: 4 * 60 * 60,
    States: Object.fromEntries(states),
  };
}

/** Every error name some `vend-account` Task retries: a task failing with one is not necessarily the end. */
export const VEND_RETRIED_ERRORS: ReadonlySet<string> = new Set(
  [
    ...taskRetry(),
    ...VEND_STAGE_NAMES.flatMap((stage) => {
      const spec = VEND_STAGES[stage];
      return "extraRetry" in spec ? spec.extraRetry : [];
    }),
  ].flatMap((retrier) => retrier.ErrorEquals as string[]),
);
