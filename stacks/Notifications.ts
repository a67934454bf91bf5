import { Duration } from "aws-cdk-lib";
import { Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Role } from "aws-cdk-lib/aws-iam";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { CfnSchedule } from "aws-cdk-lib/aws-scheduler";
import { LambdaSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { Config, Function as SstFunction, type StackContext, use } from "sst/constructs";
import { APPROVAL_REQUESTED, REQUEST_DECIDED } from "../packages/core/src/events/approvals";
import { SANDBOX_CLEANUP_COMPLETED } from "../packages/core/src/events/cleanup";
import {
  ACCOUNT_CLOSED,
  CLOSURE_FAILED,
  CLOSURE_WAITING,
  LEASE_ENDING,
} from "../packages/core/src/events/closures";
import { DRIFT_DETECTED } from "../packages/core/src/events/drift";
import { EVENT_SOURCE } from "../packages/core/src/events/publisher";
import { ACCOUNT_READY, ACCOUNT_VENDING_FAILED } from "../packages/core/src/events/vending";
import { CREATE_ACCOUNT_RESULT_PATTERN } from "../packages/core/src/vending/creation-events";
import { SLACK_WORK_REQUESTED } from "../packages/core/src/vending/slack";
import { FAILED_STATUSES } from "../packages/core/src/workflow/execution-events";
import {
  HousekeepingEnvSchema,
  NotificationsEnvSchema,
  SlackWorkerEnvSchema,
} from "../packages/functions/src/env";
import { Cleanup } from "./Cleanup";
import { CLOSE_ELIGIBILITY_READS, Closure } from "./Closure";
import { functionEnv, stackConfig } from "./config";
import { allow, awsAllow, schedulerPrincipal, VEND_REQUEST_LOOKUPS } from "./iam";
import { Storage } from "./Storage";
import { Vending } from "./Vending";

/** Slack notifications from domain events, failed executions and budget alerts; the weekly budget reconcile. */
export function Notifications({ stack }: StackContext) {
  const { table, bus, budgetTopic } = use(Storage);
  const { vendStateMachine } = use(Vending);
  const { cleanupStateMachine, reconcileStateMachine, baselineStateMachine, driftStateMachine } =
    use(Cleanup);
  const { closureStateMachine } = use(Closure);
  const config = stackConfig();
  // `npx sst secrets set SLACK_WEBHOOK_URL https://hooks.slack.com/...`; the value never reaches the logs.
  const webhook = new Config.Secret(stack, "SLACK_WEBHOOK_URL");
  const environment = functionEnv(NotificationsEnvSchema, {
    QM_TABLE_NAME: table.tableName,
    QM_EVENT_BUS_NAME: bus.eventBusName,
    QM_BUDGET_TOPIC_ARN: budgetTopic.topicArn,
  });

  // What a rule or schedule could not deliver after its retries lands here instead of being dropped.
  const deadLetters = new Queue(stack, "DeliveryDeadLetters", {
    retentionPeriod: Duration.days(14),
    enforceSSL: true,
  });
  // What a function invoked asynchronously (by a rule, a schedule or SNS) still fails with after Lambda's
  // own two retries lands here too: the dead-letter queue above holds only what could not be delivered.
  const asyncFailures = new Queue(stack, "AsyncFailures", {
    retentionPeriod: Duration.days(14),
    enforceSSL: true,
  });
  const configured = new Set<SstFunction>();
  const asynchronous = (fn: SstFunction) => {
    if (!configured.has(fn))
      fn.configureAsyncInvoke({ onFailure: new SqsDestination(asyncFailures), retryAttempts: 2 });
    configured.add(fn);
    return fn;
  };
  const target = (fn: SstFunction) =>
    new LambdaFunction(asynchronous(fn), { retryAttempts: 8, deadLetterQueue: deadLetters });

  const notifier = new SstFunction(stack, "Notifier", {
    handler: "packages/functions/src/notifier-lambda.handler",
    environment,
    bind: [webhook],
    // Event-id dedupe: claim (conditional put) and release after a transient failure.
    permissions: [allow(["dynamodb:PutItem", "dynamodb:DeleteItem"], [table.tableArn])],
  });

  new Rule(stack, "DomainEvents", {
    eventBus: bus.cdk.eventBus,
    eventPattern: {
      source: [EVENT_SOURCE],
      detailType: [
        ACCOUNT_READY,
        ACCOUNT_VENDING_FAILED,
        SANDBOX_CLEANUP_COMPLETED,
        APPROVAL_REQUESTED,
        REQUEST_DECIDED,
        ACCOUNT_CLOSED,
        CLOSURE_WAITING,
        CLOSURE_FAILED,
        LEASE_ENDING,
        DRIFT_DETECTED,
      ],
    },
    targets: [target(notifier)],
  });
  // Records vend requests and clean-up runs whose execution failed without a task recording it.
  const monitor = new SstFunction(stack, "ExecutionMonitor", {
    handler: "packages/functions/src/execution-monitor.handler",
    environment,
    permissions: [
      // Requests: read and fail; clean-up runs: read (with their reports), report, finish.
      allow(
        ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:PutItem"],
        [table.tableArn],
      ),
      allow(["events:PutEvents"], [bus.eventBusArn]),
    ],
  });
  new Rule(stack, "ExecutionFailures", {
    eventPattern: {
      source: ["aws.states"],
      detailType: ["Step Functions Execution Status Change"],
      detail: {
        status: FAILED_STATUSES,
        stateMachineArn: [
          vendStateMachine.stateMachineArn,
          cleanupStateMachine.stateMachineArn,
          closureStateMachine.stateMachineArn,
          reconcileStateMachine.stateMachineArn,
          baselineStateMachine.stateMachineArn,
          driftStateMachine.stateMachineArn,
        ],
      },
    },
    // The monitor only: it publishes the failure's domain event, which the notifier posts (one message).
    targets: [target(monitor)],
  });
  budgetTopic.addSubscription(new LambdaSubscription(notifier));

  // Organizations' CreateAccountResult resumes the vend waiting for that account (no status polling).
  // Organizations delivers it on the default bus in us-east-1 only: with another home region the vend
  // falls back to a status check every CREATION_FALLBACK_SECONDS (docs/architecture.md).
  const creationEvents = new SstFunction(stack, "CreationEvents", {
    handler: "packages/functions/src/creation-events.handler",
    environment,
    permissions: [
      allow(["dynamodb:UpdateItem"], [table.tableArn]),
      // A callback task's token cannot be scoped in IAM: SendTaskSuccess names no state machine.
      allow(["states:SendTaskSuccess"], ["*"]),
    ],
  });
  new Rule(stack, "CreationResults", {
    eventPattern: {
      source: CREATE_ACCOUNT_RESULT_PATTERN.source,
      detailType: CREATE_ACCOUNT_RESULT_PATTERN["detail-type"],
      detail: CREATE_ACCOUNT_RESULT_PATTERN.detail,
    },
    targets: [target(creationEvents)],
  });

  // Undecided approvals expire (the sweep reads only the PENDING_APPROVAL requests); leases ending soon are
  // announced, and ended ones start their account's closure (the lease index, never a scan).
  const housekeeping = new SstFunction(stack, "Housekeeping", {
    handler: "packages/functions/src/housekeeping.handler",
    environment: functionEnv(HousekeepingEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_CLOSURE_STATE_MACHINE_ARN: closureStateMachine.stateMachineArn,
      QM_CLEANUP_STATE_MACHINE_ARN: cleanupStateMachine.stateMachineArn,
    }),
    timeout: 300,
    permissions: [
      allow(["dynamodb:Query"], [`${table.tableArn}/index/*`]),
      // Requests and leases (read, update; a lease's index entry is put), closures (created, read, updated).
      allow(["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"], [table.tableArn]),
      allow(["events:PutEvents"], [bus.eventBusArn]),
      allow(["states:StartExecution"], [closureStateMachine.stateMachineArn]),
      ...awsAllow(stack, CLOSE_ELIGIBILITY_READS),
      ...(config.managementRoleArn ? [allow(["sts:AssumeRole"], [config.managementRoleArn])] : []),
    ],
  });
  const schedulerRole = new Role(stack, "SweepSchedulerRole", {
    assumedBy: schedulerPrincipal(stack),
  });
  schedulerRole.addToPolicy(allow(["lambda:InvokeFunction"], [asynchronous(housekeeping).functionArn]));
  schedulerRole.addToPolicy(allow(["sqs:SendMessage"], [deadLetters.queueArn]));
  new CfnSchedule(stack, "Housekeeping15Minutes", {
    description: "Quartermaster: expire undecided approvals",
    scheduleExpression: "rate(15 minutes)",
    flexibleTimeWindow: { mode: "OFF" },
    target: {
      arn: housekeeping.functionArn,
      roleArn: schedulerRole.roleArn,
      retryPolicy: { maximumRetryAttempts: 2 },
      deadLetterConfig: { arn: deadLetters.queueArn },
    },
  });
  // What the Slack routes acknowledged (stacks/Api.ts): decisions and /vend requests, answered at response_url.
  const slackWorker = new SstFunction(stack, "SlackWorker", {
    handler: "packages/functions/src/slack-worker.handler",
    environment: functionEnv(SlackWorkerEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_VEND_STATE_MACHINE_ARN: vendStateMachine.stateMachineArn,
    }),
    // `npx sst secrets set SLACK_BOT_TOKEN ...`: users.info tells who clicked or asked.
    bind: [new Config.Secret(stack, "SLACK_BOT_TOKEN")],
    permissions: [
      // Requests (read, record, decide) and the claims that make a repeated interaction a no-op.
      allow(
        [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:Query",
          "dynamodb:DeleteItem",
        ],
        [table.tableArn, `${table.tableArn}/index/*`],
      ),
      allow(["states:StartExecution"], [vendStateMachine.stateMachineArn]),
      // /vend validates like POST /accounts: the OU, the groups, the permission sets.
      ...awsAllow(stack, VEND_REQUEST_LOOKUPS),
      allow(["events:PutEvents"], [bus.eventBusArn]),
      ...(config.managementRoleArn ? [allow(["sts:AssumeRole"], [config.managementRoleArn])] : []),
    ],
  });
  new Rule(stack, "SlackWork", {
    eventBus: bus.cdk.eventBus,
    eventPattern: { source: [EVENT_SOURCE], detailType: [SLACK_WORK_REQUESTED] },
    targets: [target(slackWorker)],
  });
  return { notifier, deliveryDeadLetters: deadLetters, asyncFailures };
}
