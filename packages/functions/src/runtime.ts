import type { ClientClasses } from "@quartermaster/core/aws/clients";
import { parseConfigJson } from "@quartermaster/core/config/config";
import type { CoreContext } from "@quartermaster/core/context";
import { ConfigError } from "@quartermaster/core/errors";
import { createCoreContext } from "@quartermaster/core/runtime";
import type { Context } from "aws-lambda";
import type * as z from "zod";
import type { ApiEnvSchema, CleanupTaskEnvSchema, FunctionEnvSchema } from "./env";
import { PowertoolsMetricsSink } from "./metrics";

/**
 * The configuration bundled into a deployed function at synth (esbuild `define`, see stacks/index.ts);
 * absent where nothing was bundled (local mode and tests read QM_CONFIG instead).
 */
declare const __QM_CONFIG__: string | undefined;
const bundledConfig = (): string | undefined =>
  typeof __QM_CONFIG__ === "string" ? __QM_CONFIG__ : undefined;

/** The union of every function's variables: each function's schema has some of them. */
type AnyFunctionEnv = z.infer<typeof ApiEnvSchema> & z.infer<typeof CleanupTaskEnvSchema>;

/**
 * The context source of a deployed function: its environment is parsed with the function's own
 * schema at cold start (a missing variable fails there, naming it), and the context built once.
 */
export function lambdaContext(schema: FunctionEnvSchema, clientClasses: ClientClasses): ContextSource {
  let cached: CoreContext | undefined;
  return () => {
    if (cached) return cached;
    const parsed = schema.safeParse(process.env);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new ConfigError(`Invalid function environment: ${fields}`, { cause: parsed.error });
    }
    const env: Partial<AnyFunctionEnv> = parsed.data;
    const configJson = bundledConfig() ?? parsed.data.QM_CONFIG;
    // Never run on defaults by accident: a deployed function has its configuration bundled.
    if (configJson === undefined)
      throw new ConfigError("No configuration: none was bundled into this function and QM_CONFIG is not set");
    cached = createCoreContext({
      config: parseConfigJson(configJson),
      tableName: parsed.data.QM_TABLE_NAME,
      clientClasses,
      metrics: new PowertoolsMetricsSink(),
      eventBusName: parsed.data.QM_EVENT_BUS_NAME,
      budgetTopicArn: env.QM_BUDGET_TOPIC_ARN,
      itemsBucket: env.QM_ITEMS_BUCKET,
      stateMachines: {
        "vend-account": env.QM_VEND_STATE_MACHINE_ARN,
        "sandbox-cleanup": env.QM_CLEANUP_STATE_MACHINE_ARN,
        "account-closure": env.QM_CLOSURE_STATE_MACHINE_ARN,
        "budget-reconcile": env.QM_RECONCILE_STATE_MACHINE_ARN,
        baseline: env.QM_BASELINE_STATE_MACHINE_ARN,
        drift: env.QM_DRIFT_STATE_MACHINE_ARN,
      },
    });
    return cached;
  };
}

/** A context source: the deployed functions use `lambdaContext`, local mode and tests pass their own. */
export type ContextSource = () => CoreContext;

/**
 * A deployed workflow function's handler: the stack sets `QM_TASK` to the task the function runs,
 * read once at cold start (an unknown task fails there, naming it), so one exported `handler`
 * serves every task of a workflow and a new task needs no new export.
 */
export function taskFromEnvironment<T extends string, E, R>(
  tasks: readonly T[],
  make: (task: T) => (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  let resolved: ((event: E, context: Context) => Promise<R>) | undefined;
  return (event, context) => {
    if (!resolved) {
      const task = process.env.QM_TASK;
      if (!tasks.includes(task as T))
        throw new ConfigError(`QM_TASK must be one of ${tasks.join(", ")}, got ${JSON.stringify(task)}`);
      resolved = make(task as T);
    }
    return resolved(event, context);
  };
}
