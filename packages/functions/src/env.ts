import { z } from "zod";

/** Environment of every Quartermaster Lambda function; the stacks type their `environment` from this. */
export const FunctionEnvSchema = z.object({
  QM_CONFIG: z.string().min(2),
  QM_TABLE_NAME: z.string().min(1),
  QM_EVENT_BUS_NAME: z.string().min(1),
  QM_VEND_STATE_MACHINE_ARN: z.string().optional(),
  QM_CLEANUP_STATE_MACHINE_ARN: z.string().optional(),
  QM_BUDGET_TOPIC_ARN: z.string().optional(),
});
export type FunctionEnv = z.infer<typeof FunctionEnvSchema>;
