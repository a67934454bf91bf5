import { z } from "zod";

/** The detail of an `aws.states` "Step Functions Execution Status Change" event (the fields Quartermaster reads). */
export const ExecutionStatusChangeSchema = z.object({
  executionArn: z.string(),
  stateMachineArn: z.string(),
  name: z.string(),
  status: z.string(),
  error: z.string().nullish(),
  cause: z.string().nullish(),
  input: z.string().nullish(),
});
export type ExecutionStatusChange = z.infer<typeof ExecutionStatusChangeSchema>;

export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";
export const FAILED_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"];
