import { parseConfigJson } from "@quartermaster/core/config/config";
import type { CoreContext } from "@quartermaster/core/context";
import { ConfigError } from "@quartermaster/core/errors";
import { createCoreContext } from "@quartermaster/core/runtime";
import { FunctionEnvSchema } from "./env";

let cached: CoreContext | undefined;

/** The context of a deployed function, built from its environment at cold start. */
export function lambdaContext(): CoreContext {
  if (cached) return cached;
  const parsed = FunctionEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`Invalid function environment: ${fields}`, { cause: parsed.error });
  }
  const env = parsed.data;
  cached = createCoreContext({
    config: parseConfigJson(env.QM_CONFIG),
    tableName: env.QM_TABLE_NAME,
    eventBusName: env.QM_EVENT_BUS_NAME,
    budgetTopicArn: env.QM_BUDGET_TOPIC_ARN,
    stateMachines: {
      "vend-account": env.QM_VEND_STATE_MACHINE_ARN,
      "sandbox-cleanup": env.QM_CLEANUP_STATE_MACHINE_ARN,
    },
  });
  return cached;
}

/** A context source: the deployed functions use `lambdaContext`, local mode and tests pass their own. */
export type ContextSource = () => CoreContext;
