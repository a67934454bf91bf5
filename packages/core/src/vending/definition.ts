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

/** The states of one stage: its Task, and for a polling stage its Choice and Wait. */
function stageStates(stage: VendStage, arn: string, next: VendStage | undefined): Record<string, AslState> {
  const spec = VEND_STAGES[stage];
  const state = stateOf(stage);
  const extraRetry = "extraRetry" in spec ? [...spec.extraRetry] : [];
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
