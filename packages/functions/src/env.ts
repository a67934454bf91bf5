import * as z from "zod";

/** What every Quartermaster function reads: its configuration, the table and the event bus. */
const BaseEnvSchema = z.object({
  /** The configuration, where it is not bundled into the function (local mode, tests). */
  QM_CONFIG: z.string().min(2).optional(),
  QM_TABLE_NAME: z.string().min(1),
  QM_EVENT_BUS_NAME: z.string().min(1),
});

/** The API function: starts and redrives the workflows (a dry-run closure starts a clean-up). */
export const ApiEnvSchema = BaseEnvSchema.extend({
  QM_VEND_STATE_MACHINE_ARN: z.string().min(1),
  QM_CLEANUP_STATE_MACHINE_ARN: z.string().min(1),
  QM_RECONCILE_STATE_MACHINE_ARN: z.string().min(1),
  QM_CLOSURE_STATE_MACHINE_ARN: z.string().min(1),
  QM_BASELINE_STATE_MACHINE_ARN: z.string().min(1),
  QM_DRIFT_STATE_MACHINE_ARN: z.string().min(1),
  QM_BUDGET_TOPIC_ARN: z.string().min(1),
});

/** The account-closure tasks: the clean-up task starts a sandbox-cleanup execution. */
export const ClosureTaskEnvSchema = BaseEnvSchema.extend({ QM_CLEANUP_STATE_MACHINE_ARN: z.string().min(1) });

/** The housekeeping sweep: an ended lease starts its account's closure. */
export const HousekeepingEnvSchema = BaseEnvSchema.extend({
  QM_CLOSURE_STATE_MACHINE_ARN: z.string().min(1),
  QM_CLEANUP_STATE_MACHINE_ARN: z.string().min(1),
});

/** The Slack routes: they verify Slack's signature, answer, and hand the work to the Slack worker on the bus. */
export const SlackEnvSchema = BaseEnvSchema;

/** The Slack worker: an approval starts the vend workflow; SLACK_API_URL overrides Slack's Web API base. */
export const SlackWorkerEnvSchema = BaseEnvSchema.extend({
  QM_VEND_STATE_MACHINE_ARN: z.string().min(1),
  SLACK_API_URL: z.url().optional(),
});

/** The vend-account tasks: the budget step subscribes the budget topic. */
export const VendTaskEnvSchema = BaseEnvSchema.extend({ QM_BUDGET_TOPIC_ARN: z.string().min(1) });

/** The sandbox-cleanup tasks: StartRun writes the run's accounts to the items bucket, FinishRun reads them. */
export const CleanupTaskEnvSchema = BaseEnvSchema.extend({ QM_ITEMS_BUCKET: z.string().min(1) });

/** The budget-reconcile tasks: StartReconcile writes its accounts to the items bucket; budgets subscribe the topic. */
export const ReconcileTaskEnvSchema = BaseEnvSchema.extend({
  QM_BUDGET_TOPIC_ARN: z.string().min(1),
  QM_ITEMS_BUCKET: z.string().min(1),
});

/** The baseline tasks: a plan's reads and a group's assignments pass through the items bucket. */
export const BaselineTaskEnvSchema = BaseEnvSchema.extend({ QM_ITEMS_BUCKET: z.string().min(1) });

/**
 * The drift tasks: a check's and a repair's accounts pass through the items bucket, a check starts
 * the baseline's plan, and budgets (expected and repaired) subscribe the budget topic.
 */
export const DriftTaskEnvSchema = BaseEnvSchema.extend({
  QM_ITEMS_BUCKET: z.string().min(1),
  QM_BASELINE_STATE_MACHINE_ARN: z.string().min(1),
  QM_BUDGET_TOPIC_ARN: z.string().min(1),
});

/** The notifier and the execution monitor. */
export const NotificationsEnvSchema = BaseEnvSchema.extend({ QM_BUDGET_TOPIC_ARN: z.string().min(1) });

/** Any function's environment schema; the stacks type each function's `environment` from its own. */
export type FunctionEnvSchema =
  | typeof ApiEnvSchema
  | typeof SlackEnvSchema
  | typeof SlackWorkerEnvSchema
  | typeof ClosureTaskEnvSchema
  | typeof HousekeepingEnvSchema
  | typeof VendTaskEnvSchema
  | typeof CleanupTaskEnvSchema
  | typeof ReconcileTaskEnvSchema
  | typeof BaselineTaskEnvSchema
  | typeof DriftTaskEnvSchema
  | typeof NotificationsEnvSchema;
