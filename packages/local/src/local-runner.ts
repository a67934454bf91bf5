import type { Logger } from "@aws-lambda-powertools/logger";
import type { AslDefinition } from "@quartermaster/core/workflow/asl";
import type { ExecutionStatusChange } from "@quartermaster/core/workflow/execution-events";
import type { ExecutionInfo, WorkflowName, WorkflowRunner } from "@quartermaster/core/workflow/runner";
import { lambdaContextFor } from "@quartermaster/functions/lambda-context";
import type { Context } from "aws-lambda";
import { ExecutionError, StateMachine } from "aws-local-stepfunctions";
import { isReaderState, type ReadItems, withItemReaders, withoutLocalItems } from "./item-reader";
import {
  HistoryCounter,
  type LimitBreach,
  payloadBreach,
  payloadBytes,
  withInlineMapConcurrency,
} from "./limits";

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22+); provide it on Node 20, here only.
const promiseCtor = Promise as PromiseConstructor & { withResolvers?: unknown };
if (typeof promiseCtor.withResolvers !== "function") {
  promiseCtor.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

/** A Lambda handler as the local runner invokes it. */
export type LocalTaskHandler = (event: never, context: Context) => Promise<unknown>;

export interface LocalWorkflow {
  definition: AslDefinition;
  /** Task state name -> the real handler it runs. */
  tasks: Record<string, LocalTaskHandler>;
  /** Wait state name -> milliseconds, replacing the definition's seconds (never edits the definition). */
  waits?: Record<string, number>;
  /** State name -> milliseconds per retrier (by index), where the runner-wide interval does not fit. */
  retryIntervals?: Record<string, number[]>;
  /** Callback task state name -> its TimeoutSeconds here (tests shorten the fallback), in a copy of the definition. */
  timeouts?: Record<string, number>;
}

/** A callback task state (`.waitForTaskToken`): it ends when its token is completed, or times out. */
function isCallbackTask(state: Record<string, unknown>): boolean {
  return typeof state.Resource === "string" && state.Resource.endsWith(".waitForTaskToken");
}

interface LocalExecution {
  arn: string;
  workflow: WorkflowName;
  status: ExecutionInfo["status"];
  error?: string;
  done: Promise<void>;
  history: HistoryCounter;
  /** The largest state input or output, in bytes, as Step Functions measures it. */
  largestState: number;
}

/**
 * Runs the same ASL definitions the stacks deploy, in-process, with aws-local-stepfunctions.
 * Local executions cannot be redriven, so retries start a new execution and the steps converge.
 */
export class LocalWorkflowRunner implements WorkflowRunner {
  private readonly executions = new Map<string, LocalExecution>();
  /** Callback tasks waiting for their token, as Step Functions keeps them. */
  private readonly waiting = new Map<string, (output: unknown) => void>();
  private tokens = 0;

  constructor(
    private readonly options: {
      workflows: Partial<Record<WorkflowName, LocalWorkflow>>;
      /** Delay of every Retry interval, in ms, instead of the definition's backoff. */
      retryIntervalMs?: number;
      logger?: Logger;
      region?: string;
      /** Reads a Distributed Map's items (its `ItemReader`'s S3 object); required by definitions that have one. */
      readItems?: ReadItems;
      /** Called when an execution fails, with what Step Functions' status change event carries. */
      onFailure?: (change: ExecutionStatusChange) => Promise<void>;
    },
  ) {}

  /** The local state machine's ARN, as Step Functions names one (the local account). */
  stateMachineArn(workflow: WorkflowName): string {
    return `arn:aws:states:${this.options.region ?? "us-east-1"}:000000000000:stateMachine:${workflow}`;
  }

  private arnFor(workflow: WorkflowName, name: string): string {
    return `${this.stateMachineArn(workflow).replace(":stateMachine:", ":execution:")}:${name}`;
  }

  async start(workflow: WorkflowName, name: string, input: object): Promise<{ executionArn: string }> {
    const arn = this.arnFor(workflow, name);
    if (this.executions.has(arn)) return { executionArn: arn };
    const spec = this.options.workflows[workflow];
    if (!spec) throw new Error(`No local definition for workflow ${workflow}`);
    const taskNames = Object.keys(spec.tasks);
    const inputTooLarge = payloadBreach("The execution's input", input);
    // StartExecution refuses it, as AWS does.
    if (inputTooLarge) throw new Error(`${inputTooLarge.error}: ${inputTooLarge.cause}`);
    const readerArn = `arn:aws:lambda:${this.options.region ?? "us-east-1"}:000000000000:function:qm-local-item-reader`;
    const withReaders = withItemReaders(spec.definition, readerArn);
    const definition = withInlineMapConcurrency(withReaders.definition);
    for (const [state, seconds] of Object.entries(spec.timeouts ?? {})) {
      const target = definition.States[state];
      if (target) target.TimeoutSeconds = seconds;
    }
    const machine = new StateMachine(definition as never, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    const invoke = (state: string, event: unknown) =>
      (spec.tasks[state] as LocalTaskHandler)(event as never, lambdaContextFor(`qm-local-${state}`, 900_000));
    const readItems = this.options.readItems;
    const readerHandlers = Object.fromEntries(
      withReaders.readers.map((state) => [
        state,
        async (source: { Bucket: string; Key: string }) => {
          if (!readItems)
            throw new Error(`State ${state} reads items, and this runner was given no readItems`);
          return readItems(source, workflow);
        },
      ]),
    );
    const handlers = Object.fromEntries(
      taskNames.map((state) => [
        state,
        isCallbackTask(definition.States[state] ?? { Type: "Task" })
          ? (input: { Payload: Record<string, unknown> }) =>
              this.callback(arn, state, Number(definition.States[state]?.TimeoutSeconds ?? 60), (taskToken) =>
                invoke(state, { ...input.Payload, taskToken }),
              )
          : (event: unknown) => invoke(state, event),
      ]),
    );
    // One interval for every retrier, except where the workflow names one per retrier.
    const retryIntervalOverrides = Object.fromEntries(
      taskNames.map((state) => [state, spec.retryIntervals?.[state] ?? this.options.retryIntervalMs ?? 20]),
    );
    const execution = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: { ...handlers, ...readerHandlers } as never,
        waitTimeOverrides: spec.waits ?? {},
        retryIntervalOverrides,
      },
      context: {
        Execution: { Id: arn, Name: name, StartTime: new Date().toISOString(), Input: input },
        // A placeholder: each callback task gets its own token (see `callback`).
        Task: { Token: "local" },
      } as never,
    });
    // The reader states are the runner's, not Step Functions': they write no history.
    const history = new HistoryCounter(definition, isReaderState);
    const record: LocalExecution = {
      arn,
      workflow,
      status: "RUNNING",
      done: Promise.resolve(),
      history,
      largestState: 0,
    };
    // Step Functions' limits, read from the interpreter's event log: the first breach fails the execution.
    let breach: LimitBreach | undefined;
    const watch = (async () => {
      for await (const event of execution.eventLogs) {
        if ("state" in event && (event.type === "StateEntered" || event.type === "StateExited"))
          record.largestState = Math.max(
            record.largestState,
            payloadBytes(
              withoutLocalItems(event.type === "StateEntered" ? event.state.input : event.state.output),
            ),
          );
        const found =
          history.add(event) ??
          ("state" in event && event.type === "StateEntered"
            ? payloadBreach(`The input of state ${event.state.name}`, withoutLocalItems(event.state.input))
            : undefined) ??
          ("state" in event && event.type === "StateExited"
            ? payloadBreach(`The output of state ${event.state.name}`, withoutLocalItems(event.state.output))
            : undefined);
        if (found && !breach) {
          breach = found;
          execution.abort();
        }
      }
    })();
    const fail = async (error: string, cause: string) => {
      record.status = "FAILED";
      record.error = `${error}: ${cause}`;
      this.options.logger?.warn("Local execution failed", { executionArn: arn, error: record.error });
      await this.options.onFailure?.({
        executionArn: arn,
        stateMachineArn: this.stateMachineArn(workflow),
        name,
        status: "FAILED",
        error,
        cause,
        input: JSON.stringify(input),
      });
    };
    record.done = Promise.allSettled([execution.result, watch]).then(async ([result]) => {
      if (breach) return fail(breach.error, breach.cause);
      if (result.status === "fulfilled") {
        record.status = "SUCCEEDED";
        return;
      }
      const error = result.reason as unknown;
      // The interpreter wraps the state's error; its name and message are Step Functions' error and cause.
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
      const message = error instanceof ExecutionError ? error.message : String(error);
      return fail(cause?.name ?? "States.Runtime", cause?.message ?? message);
    });
    this.executions.set(arn, record);
    return { executionArn: arn };
  }

  /**
   * A callback task as Step Functions runs one: a fresh token, the function invoked with it (its
   * result is ignored), then the task's output is whatever `completeTask` is given for that token.
   * The interpreter enforces the state's TimeoutSeconds; the token is forgotten then, as AWS does.
   */
  private async callback(
    arn: string,
    state: string,
    timeoutSeconds: number,
    run: (taskToken: string) => Promise<unknown>,
  ): Promise<unknown> {
    this.tokens += 1;
    const token = `${arn}#${state}#${this.tokens}`;
    const output = new Promise<unknown>((resolve) => {
      this.waiting.set(token, resolve);
    });
    const forget = setTimeout(() => this.waiting.delete(token), timeoutSeconds * 1000);
    forget.unref();
    try {
      await run(token);
    } catch (error) {
      this.waiting.delete(token);
      clearTimeout(forget);
      throw error;
    }
    return output;
  }

  async completeTask(taskToken: string, output: object): Promise<boolean> {
    const resolve = this.waiting.get(taskToken);
    if (!resolve) return false;
    this.waiting.delete(taskToken);
    // As Step Functions does, the output goes through JSON.
    resolve(JSON.parse(JSON.stringify(output)));
    return true;
  }

  /**
   * What an execution has written, as AWS counts it: its history events, its children's (Distributed Map
   * iterations: how many, and the largest history), the state transitions of it and its children, and
   * its largest state in bytes.
   */
  history(executionArn: string):
    | {
        events: number;
        largestChild: number;
        children: number;
        transitions: number;
        tasks: number;
        largestState: number;
      }
    | undefined {
    const execution = this.executions.get(executionArn);
    return (
      execution && {
        events: execution.history.events,
        largestChild: execution.history.largestChild,
        children: execution.history.children,
        transitions: execution.history.transitions,
        tasks: execution.history.tasks,
        largestState: execution.largestState,
      }
    );
  }

  async describe(executionArn: string): Promise<ExecutionInfo | undefined> {
    const execution = this.executions.get(executionArn);
    return execution ? { status: execution.status, redrivable: false } : undefined;
  }

  async redrive(executionArn: string): Promise<void> {
    throw new Error(`Local executions cannot be redriven (${executionArn}); start a new one`);
  }

  /** Resolves when the execution has ended (tests and the quickstart use it). */
  async wait(executionArn: string): Promise<ExecutionInfo["status"]> {
    const execution = this.executions.get(executionArn);
    if (!execution) throw new Error(`Unknown local execution ${executionArn}`);
    await execution.done;
    return execution.status;
  }

  /** Resolves when every execution started so far has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }
}
