import { Logger } from "@aws-lambda-powertools/logger";
import { type ClientClasses, createAwsClients } from "./aws/clients";
import type { AnyClientPlugin } from "./aws/middleware";
import { defaultRetryPolicy, type RetryPolicy } from "./aws/retry";
import type { Config } from "./config/config";
import type { CoreContext } from "./context";
import { EventBridgePublisher, type EventPublisher } from "./events/publisher";
import { type MetricsSink, noMetrics } from "./metrics";
import { setDirectoryTtl } from "./org/cache";
import { DynamoBaselineStore } from "./store/baseline-plans";
import { DynamoFingerprintStore } from "./store/budget-fingerprints";
import { DynamoCleanupStore } from "./store/cleanup-runs/dynamo";
import { DynamoClosureStore } from "./store/closures";
import { DynamoCreationWaits } from "./store/creation-waits";
import { DynamoDriftStore } from "./store/drift-checks";
import { DynamoEventClaims } from "./store/event-claims";
import { DynamoReconcileJobStore } from "./store/reconcile-jobs";
import { DynamoRequestStore } from "./store/requests/dynamo";
import { DynamoSemaphore } from "./store/semaphore";
import { SfnWorkflowRunner, type WorkflowName, type WorkflowRunner } from "./workflow/runner";

export interface RuntimeOptions {
  config: Config;
  tableName: string;
  eventBusName: string;
  budgetTopicArn?: string;
  /** The fan-out items bucket (functions that run or start a fan-out). */
  itemsBucket?: string;
  stateMachines?: Partial<Record<WorkflowName, string>>;
  plugins?: AnyClientPlugin[];
  /** The client classes this process builds (see ClientOptions.classes). */
  clientClasses: ClientClasses;
  logger?: Logger;
  metrics?: MetricsSink;
  retry?: RetryPolicy;
  /** Local mode replaces Step Functions and EventBridge with in-process runners. */
  workflows?: WorkflowRunner;
  events?: EventPublisher;
}

/** AWS Organizations allows at most 5 CreateAccount requests in progress at once. */
export const MAX_CREATE_ACCOUNT_IN_FLIGHT = 5;

/** Builds the core context once per process: clients, store, publisher and workflow runner. */
export function createCoreContext(options: RuntimeOptions): CoreContext {
  const retry = options.retry ?? defaultRetryPolicy;
  const clients = createAwsClients({
    region: options.config.homeRegion,
    managementRoleArn: options.config.managementRoleArn,
    memberRoleName: options.config.memberRoleName,
    plugins: options.plugins,
    retryPolicy: retry,
    classes: options.clientClasses,
  });
  setDirectoryTtl(clients, options.config.directory.ttlSeconds * 1000);
  return {
    clients,
    config: options.config,
    store: new DynamoRequestStore({ client: clients.dynamo, tableName: options.tableName }),
    runs: new DynamoCleanupStore({ client: clients.dynamo, tableName: options.tableName }),
    fingerprints: new DynamoFingerprintStore({ client: clients.dynamo, tableName: options.tableName }),
    claims: new DynamoEventClaims({ client: clients.dynamo, tableName: options.tableName }),
    closures: new DynamoClosureStore({ client: clients.dynamo, tableName: options.tableName }),
    reconciles: new DynamoReconcileJobStore({ client: clients.dynamo, tableName: options.tableName }),
    baselines: new DynamoBaselineStore({ client: clients.dynamo, tableName: options.tableName }),
    drift: new DynamoDriftStore({ client: clients.dynamo, tableName: options.tableName }),
    creationWaits: new DynamoCreationWaits({ client: clients.dynamo, tableName: options.tableName }),
    createSlots: new DynamoSemaphore({
      client: clients.dynamo,
      tableName: options.tableName,
      name: "create-account",
      limit: MAX_CREATE_ACCOUNT_IN_FLIGHT,
      // A holder that outlives creation's deadline by 15 minutes crashed; its slot is reclaimed.
      leaseMs: (options.config.creation.deadlineMinutes + 15) * 60_000,
    }),
    logger: options.logger ?? new Logger({ serviceName: "quartermaster" }),
    metrics: options.metrics ?? noMetrics,
    clock: () => new Date(),
    retry,
    workflows:
      options.workflows ?? new SfnWorkflowRunner({ clients, stateMachines: options.stateMachines ?? {} }),
    resources: { budgetTopicArn: options.budgetTopicArn, itemsBucket: options.itemsBucket },
    events: options.events ?? new EventBridgePublisher({ clients, busName: options.eventBusName }),
  };
}
