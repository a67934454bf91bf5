import { RETRYABLE_ERROR_NAMES } from "../errors";

/** Minimal typing of the Amazon States Language states Quartermaster uses (JSONPath mode). */
export type AslState = Record<string, unknown> & { Type: string };

export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
}

/** Errors the Lambda service itself may raise: AWS recommends retrying them on every Lambda task. */
export const LAMBDA_SERVICE_ERRORS = [
  "Lambda.ClientExecutionTimeoutException",
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

/** Retry policy of every Task: Lambda service errors, then Quartermaster's transient AWS errors. */
export function taskRetry(): Record<string, unknown>[] {
  return [
    {
      ErrorEquals: LAMBDA_SERVICE_ERRORS,
      IntervalSeconds: 1,
      MaxAttempts: 3,
      BackoffRate: 2,
      JitterStrategy: "FULL",
    },
    {
      ErrorEquals: [...RETRYABLE_ERROR_NAMES],
      IntervalSeconds: 2,
      MaxAttempts: 5,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: "FULL",
    },
  ];
}

/**
 * A Lambda task invoked by ARN: the payload is `{ executionArn, state }` and the handler's
 * result lands at `resultPath`. Invoking by ARN (not `lambda:invoke`) keeps the result shape
 * identical in Step Functions and in the local interpreter.
 */
export function lambdaTask(
  functionArn: string,
  options: {
    resultPath: string | null;
    next?: string;
    catchTo?: string;
    extraRetry?: Record<string, unknown>[];
  },
): AslState {
  const state: AslState = {
    Type: "Task",
    Resource: functionArn,
    Parameters: { "executionArn.$": "$$.Execution.Id", "state.$": "$" },
    ResultPath: options.resultPath,
    Retry: [...taskRetry(), ...(options.extraRetry ?? [])],
  };
  if (options.next) state.Next = options.next;
  else state.End = true;
  if (options.catchTo)
    state.Catch = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: options.catchTo }];
  return state;
}

/** Placeholder function ARNs: the local runner maps Task states to handlers by state name. */
export function localTaskArns<T extends string>(tasks: readonly T[], region: string): Record<T, string> {
  return Object.fromEntries(
    tasks.map((t) => [t, `arn:aws:lambda:${region}:000000000000:function:qm-local-${t}`]),
  ) as Record<T, string>;
}
