import type { Logger } from "@aws-lambda-powertools/logger";
import type { AslDefinition } from "@quartermaster/core/workflow/asl";
import type { ExecutionStatusChange } from "@quartermaster/core/workflow/execution-events";
import type { ExecutionInfo, WorkflowName, WorkflowRunner } from "@quartermaster/core/workflow/runner";
import { lambdaContextFor } from "@quartermaster/functions/lambda-context";
import type { Context } from "aws-lambda";
import { ExecutionError, StateMachine } from "aws-local-stepfunctions";

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
}

interface LocalExecution {
  arn: string;
  workflow: WorkflowName;
  status: ExecutionInfo["status"];
  error?: string;
  done: Promise<void>;
}

/**
 * Runs the same ASL definitions the stacks deploy, in-process, with aws-local-stepfunctions.
 * Local executions cannot be redriven, so retries start a new execution and the steps converge.
 */
export class LocalWorkflowRunner implements WorkflowRunner {
  private readonly executions = new Map<string, LocalExecution>();

  constructor(
    private readonly options: {
      workflows: Partial<Record<WorkflowName, LocalWorkflow>>;
      /** Delay of every Retry interval, in ms, instead of the definition's backoff. */
      retryIntervalMs?: number;
      logger?: Logger;
      region?: string;
      /** Called when an execution fails, with what Step Functions' status change event carries. */
      onFailure?: (change: ExecutionStatusChange) => Promise<void>;
    },
  ) {}

  private arnFor(workflow: WorkflowName, name: string): string {
    return `arn:aws:states:${this.options.region ?? "us-east-1"}:000000000000:execution:${workflow}:${name}`;
  }

  async start(workflow: WorkflowName, name: string, input: object): Promise<{ executionArn: string }> {
    const arn = this.arnFor(workflow, name);
    if (this.executions.has(arn)) return { executionArn: arn };
    const spec = this.options.workflows[workflow];
    if (!spec) throw new Error(`No local definition for workflow ${workflow}`);
    const taskNames = Object.keys(spec.tasks);
    const machine = new StateMachine(spec.definition as never, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    const handlers = Object.fromEntries(
      taskNames.map((state) => [
        state,
        (event: unknown) =>
          (spec.tasks[state] as LocalTaskHandler)(
            event as never,
            lambdaContextFor(`qm-local-${state}`, 900_000),
          ),
      ]),
    );
    // One interval for every retrier, except where the workflow names one per retrier.
    const retryIntervalOverrides = Object.fromEntries(
      taskNames.map((state) => [state, spec.retryIntervals?.[state] ?? this.options.retryIntervalMs ?? 20]),
    );
    const execution = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        waitTimeOverrides: spec.waits ?? {},
        retryIntervalOverrides,
      },
      context: {
        Execution: { Id: arn, Name: name, StartTime: new Date().toISOString(), Input: input },
      } as never,
    });
    const record: LocalExecution = { arn, workflow, status: "RUNNING", done: Promise.resolve() };
    record.done = execution.result.then(
      () => {
        record.status = "SUCCEEDED";
      },
      async (error: unknown) => {
        record.status = "FAILED";
        record.error = error instanceof ExecutionError ? error.message : String(error);
        this.options.logger?.warn("Local execution failed", { executionArn: arn, error: record.error });
        // The interpreter wraps the state's error; its name and message are Step Functions' error and cause.
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
        await this.options.onFailure?.({
          executionArn: arn,
          stateMachineArn: arn.replace(":execution:", ":stateMachine:").replace(/:[^:]+$/, ""),
          name,
          status: "FAILED",
          error: cause?.name ?? "States.Runtime",
          cause: cause?.message ?? record.error,
          input: JSON.stringify(input),
        });
      },
    );
    this.executions.set(arn, record);
    return { executionArn: arn };
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
