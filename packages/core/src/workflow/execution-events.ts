/** The detail of an `aws.states` "Step Functions Execution Status Change" event (the fields Quartermaster reads). */
export interface ExecutionStatusChange {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: string;
  error?: string | null;
  cause?: string | null;
  input?: string | null;
}

export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";
export const FAILED_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"];
