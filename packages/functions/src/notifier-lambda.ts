import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { NotificationsEnvSchema } from "./env";
import { makeNotifierHandler } from "./notifier";
import { lambdaContext } from "./runtime";
import { webhookFromSecret } from "./slack-secret";

const metrics = new Metrics({ namespace: "Quartermaster", serviceName: "notifier" });
const source = lambdaContext(NotificationsEnvSchema);

/** The deployed notifier: the webhook URL comes from the SST secret bound to this function, once set. */
export const handler = makeNotifierHandler(source, {
  webhookUrl: webhookFromSecret(() => source().logger),
  onPermanentFailure: (status) => {
    metrics.addDimension("status", String(status));
    metrics.addMetric("SlackPermanentFailures", MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  },
});
