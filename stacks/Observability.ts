import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Topic } from "aws-cdk-lib/aws-sns";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { type StackContext, use } from "sst/constructs";
import { METRIC, type MetricName } from "../packages/core/src/metrics";
import { METRICS_NAMESPACE, SERVICE_NAME } from "../packages/functions/src/metrics";
import { Cleanup } from "./Cleanup";
import { Closure } from "./Closure";
import { Notifications } from "./Notifications";
import { Vending } from "./Vending";

/**
 * Quartermaster's own metric (EMF, see packages/functions/src/metrics.ts), summed over all its dimensions:
 * for graphs only, since CloudWatch refuses an alarm on a `SEARCH` expression.
 */
function ours(name: MetricName, statistic = "Sum"): IMetric {
  return new MathExpression({
    expression: `SUM(SEARCH('{${METRICS_NAMESPACE}} MetricName="${name}"', '${statistic}', 300))`,
    label: name,
    period: Duration.minutes(5),
  });
}

/**
 * Operators' view: alarms on failed executions, dead-letter queues that hold something and notifier
 * failures (to an SNS topic operators subscribe to), and one dashboard. docs/operations.md says what
 * each alarm means and what to do.
 */
export function Observability({ stack, app }: StackContext) {
  const { vendStateMachine } = use(Vending);
  const { cleanupStateMachine, driftStateMachine, scheduleDeadLetters } = use(Cleanup);
  const { closureStateMachine } = use(Closure);
  const { notifier, deliveryDeadLetters, asyncFailures } = use(Notifications);
  const alarms = new Topic(stack, "OperatorAlarms", { displayName: "Quartermaster alarms" });
  const notify = new SnsAction(alarms);
  const alarm = (id: string, metric: IMetric, description: string) => {
    const created = new Alarm(stack, id, {
      alarmName: `${app.stage}-${app.name}-${id}`,
      alarmDescription: `${description} See docs/operations.md#alarms.`,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    created.addAlarmAction(notify);
    return created;
  };
  const failedExecutions = (machine: StateMachine) =>
    new MathExpression({
      expression: "failed + timedOut + aborted",
      usingMetrics: {
        failed: machine.metricFailed({ period: Duration.minutes(5), statistic: "Sum" }),
        timedOut: machine.metricTimedOut({ period: Duration.minutes(5), statistic: "Sum" }),
        aborted: machine.metricAborted({ period: Duration.minutes(5), statistic: "Sum" }),
      },
      label: "failed, timed out or aborted",
      period: Duration.minutes(5),
    });
  const machines: [string, StateMachine, string][] = [
    ["VendExecutionsFailed", vendStateMachine, "A vend-account execution failed, timed out or was aborted."],
    [
      "CleanupExecutionsFailed",
      cleanupStateMachine,
      "A sandbox-cleanup execution failed, timed out or was aborted.",
    ],
    [
      "ClosureExecutionsFailed",
      closureStateMachine,
      "An account-closure execution failed, timed out or was aborted.",
    ],
    [
      "DriftExecutionsFailed",
      driftStateMachine,
      "A drift check or repair execution failed, timed out or was aborted: the morning's drift report is missing or incomplete.",
    ],
  ];
  for (const [id, machine, description] of machines) alarm(id, failedExecutions(machine), description);
  const depth = (queue: typeof deliveryDeadLetters) =>
    queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: "Maximum" });
  alarm(
    "DeliveryDeadLettersNotEmpty",
    depth(deliveryDeadLetters),
    "An event EventBridge or the Scheduler could not deliver (notifier, monitor, creation events, housekeeping) is waiting in DeliveryDeadLetters.",
  );
  alarm(
    "AsyncFailuresNotEmpty",
    depth(asyncFailures),
    "A function invoked by an event, a schedule or SNS (notifier, monitor, creation events, housekeeping, Slack worker) failed after Lambda's retries; the event and its error wait in AsyncFailures.",
  );
  alarm(
    "ScheduleDeadLettersNotEmpty",
    depth(scheduleDeadLetters),
    "The nightly clean-up or the weekly budget reconcile schedule could not start its state machine; its event waits in ScheduleDeadLetters.",
  );
  alarm(
    "NotifierFailures",
    new MathExpression({
      expression: "errors + slack",
      usingMetrics: {
        errors: notifier.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
        // One fixed dimension set (the service's): an alarm needs a metric, not a search.
        slack: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: METRIC.slackDeliveryFailed,
          dimensionsMap: { service: SERVICE_NAME },
          statistic: "Sum",
          period: Duration.minutes(5),
        }),
      },
      label: "notifier errors and Slack deliveries refused",
      period: Duration.minutes(5),
    }),
    "The notifier failed, or Slack refused a message for good (a revoked or wrong webhook).",
  );

  const machineGraph = (title: string, machine: StateMachine) =>
    new GraphWidget({
      title,
      width: 8,
      left: [
        machine.metricStarted({ statistic: "Sum", period: Duration.minutes(5) }),
        machine.metricSucceeded({ statistic: "Sum", period: Duration.minutes(5) }),
        failedExecutions(machine),
      ],
    });
  new Dashboard(stack, "Dashboard", {
    dashboardName: `${app.stage}-${app.name}`,
    widgets: [
      [
        new TextWidget({
          markdown: "# Quartermaster\nAlarms and what to do: docs/operations.md#alarms",
          width: 24,
          height: 2,
        }),
      ],
      [
        new GraphWidget({
          title: "Vends",
          width: 8,
          left: [ours(METRIC.vendsStarted), ours(METRIC.vendsSucceeded), ours(METRIC.vendsFailed)],
        }),
        new GraphWidget({
          title: "Vend duration (seconds, p50 and p90)",
          width: 8,
          left: [
            new Metric({
              namespace: METRICS_NAMESPACE,
              metricName: METRIC.vendDuration,
              statistic: "p50",
              dimensionsMap: { service: SERVICE_NAME },
            }),
            new Metric({
              namespace: METRICS_NAMESPACE,
              metricName: METRIC.vendDuration,
              statistic: "p90",
              dimensionsMap: { service: SERVICE_NAME },
            }),
          ],
        }),
        new GraphWidget({
          title: "Clean-up stacks",
          width: 8,
          left: [ours(METRIC.stacksDeleted), ours(METRIC.stacksSkipped), ours(METRIC.stacksFailed)],
        }),
      ],
      [
        machineGraph("vend-account executions", vendStateMachine),
        machineGraph("sandbox-cleanup executions", cleanupStateMachine),
        machineGraph("account-closure executions", closureStateMachine),
      ],
      [
        new GraphWidget({
          title: "Dead-letter queues (messages waiting)",
          width: 12,
          left: [depth(deliveryDeadLetters), depth(asyncFailures), depth(scheduleDeadLetters)],
        }),
        new GraphWidget({
          title: "Slack and closures",
          width: 12,
          left: [ours(METRIC.slackDeliveryFailed), ours(METRIC.accountsClosed), ours(METRIC.closuresFailed)],
        }),
      ],
    ],
  });
  stack.addOutputs({ AlarmTopicArn: alarms.topicArn });
}
