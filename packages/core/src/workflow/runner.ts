import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { isAwsError } from "../aws/classify";
import type { AwsClients } from "../aws/clients";

export type WorkflowName =
  | "vend-account"
  | "sandbox-cleanup"
  | "account-closure"
  | "budget-reconcile"
  | "baseline"
  | "drift";

export interface ExecutionInfo {
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE";
  redrivable: boolean;
}

/** Starts and redrives workflow executions: Step Functions when deployed, the ASL interpreter locally. */
export interface WorkflowRunner {
  /** Starts an execution named `name`; starting the same name twice returns the same ARN. */
  start(workflow: WorkflowName, name: string, input: object): Promise<{ executionArn: string }>;
  describe(executionArn: string): Promise<ExecutionInfo | undefined>;
  redrive(executionArn: string): Promise<void>;
  /**
   * Completes a waiting callback task (`.waitForTaskToken`) with `output`; false when the task no
   * longer waits (it timed out, or was completed already), which is not an error.
   */
  completeTask(taskToken: string, output: object): Promise<boolean>;
}

/** The execution ARN Step Functions gives an execution of a state machine. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

export class SfnWorkflowRunner implements WorkflowRunner {
  constructor(
    private readonly options: {
      /** Read on each call: a function that never starts an execution never builds the client. */
      clients: Pick<AwsClients, "sfn">;
      stateMachines: Partial<Record<WorkflowName, string>>;
    },
  ) {}

  private arnOf(workflow: WorkflowName): string {
    const arn = this.options.stateMachines[workflow];
    if (!arn) throw new Error(`No state machine ARN is configured for ${workflow}`);
    return arn;
  }

  async start(workflow: WorkflowName, name: string, input: object) {
    const stateMachineArn = this.arnOf(workflow);
    try {
      const out = await this.options.clients.sfn.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { executionArn: out.executionArn ?? executionArnFor(stateMachineArn, name) };
    } catch (error) {
      // Same name and input: Step Functions treats StartExecution as idempotent, a different input raises this.
      if ((error as Error).cause instanceof ExecutionAlreadyExists) {
        return { executionArn: executionArnFor(stateMachineArn, name) };
      }
      throw error;
    }
  }

  async describe(executionArn: string): Promise<ExecutionInfo | undefined> {
    try {
      const out = await this.options.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return { status: out.status ?? "RUNNING", redrivable: out.redriveStatus === "REDRIVABLE" };
    } catch (error) {
      if (isAwsError(error, "ExecutionDoesNotExist")) return undefined;
      throw error;
    }
  }

  async redrive(executionArn: string): Promise<void> {
    await this.options.clients.sfn.send(new RedriveExecutionCommand({ executionArn }));
  }

  async completeTask(taskToken: string, output: object): Promise<boolean> {
    try {
      await this.options.clients.sfn.send(
        new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, "TaskTimedOut") || isAwsError(error, "TaskDoesNotExist")) return false;
      throw error;
    }
  }
}
