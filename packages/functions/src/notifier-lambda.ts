import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Config } from "sst/node/config";
import { NotificationsEnvSchema } from "./env";
import { makeNotifierHandler } from "./notifier";
import { lambdaContext } from "./runtime";

const metrics = new Metrics({ namespace: "Quartermaster", serviceName: "notifier" });

/** The deployed notifier: the webhook URL comes from the SST secret bound to this function. */
export const handler = makeNotifierHandler(lambdaContext(NotificationsEnvSchema), {
  webhookUrl: async () => Config.SLACK_WEBHOOK_URL,
  onPermanentFailure: (status) => {
    metrics.addDimension("status", String(status));
    metrics.addMetric("SlackPermanentFailures", MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  },
});
