import { Logger } from "@aws-lambda-powertools/logger";
import { createAwsClients } from "./aws/clients";
import type { AnyClientPlugin } from "./aws/middleware";
import { defaultRetryPolicy, type RetryPolicy } from "./aws/retry";
import type { Config } from "./config/config";
import type { CoreContext } from "./context";
import { EventBridgePublisher, type EventPublisher } from "./events/publisher";
import { DynamoCleanupStore } from "./store/dynamo-cleanup-store";
import { DynamoRequestStore } from "./store/dynamo-request-store";
import { SfnWorkflowRunner, type WorkflowName, type WorkflowRunner } from "./vending/workflow-runner";

export interface RuntimeOptions {
  config: Config;
  tableName: string;
  eventBusName: string;
  budgetTopicArn?: string;
  stateMachines?: Partial<Record<WorkflowName, string>>;
  plugins?: AnyClientPlugin[];
  logger?: Logger;
  retry?: RetryPolicy;
  /** Local mode replaces Step Functions and EventBridge with in-process runners. */
  workflows?: WorkflowRunner;
  events?: EventPublisher;
}

/** Builds the core context once per process: clients, store, publisher and workflow runner. */
export function createCoreContext(options: RuntimeOptions): CoreContext {
  const retry = options.retry ?? defaultRetryPolicy;
  const clients = createAwsClients({
    region: options.config.homeRegion,
    managementRoleArn: options.config.managementRoleArn,
    memberRoleName: options.config.memberRoleName,
    plugins: options.plugins,
    retryPolicy: retry,
  });
  return {
    clients,
    config: options.config,
    store: new DynamoRequestStore({ client: clients.dynamo, tableName: options.tableName }),
    runs: new DynamoCleanupStore({ client: clients.dynamo, tableName: options.tableName }),
    logger: options.logger ?? new Logger({ serviceName: "quartermaster" }),
    clock: () => new Date(),
    retry,
    workflows:
      options.workflows ??
      new SfnWorkflowRunner({ client: clients.sfn, stateMachines: options.stateMachines ?? {}, retry }),
    resources: { budgetTopicArn: options.budgetTopicArn },
    events:
      options.events ??
      new EventBridgePublisher({ client: clients.eventBridge, busName: options.eventBusName, retry }),
  };
}
