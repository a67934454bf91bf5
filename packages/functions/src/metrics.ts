import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MetricName, MetricsSink } from "@quartermaster/core/metrics";

/** The CloudWatch namespace of every Quartermaster metric (the stacks' alarms and dashboard read it). */
export const METRICS_NAMESPACE = "Quartermaster";

/** The `service` dimension of every metric (POWERTOOLS_SERVICE_NAME, set by the stacks for every function). */
export const SERVICE_NAME = "quartermaster";

/**
 * Core's metrics as CloudWatch Embedded Metric Format, through Powertools: each metric is written at
 * once as its own EMF line (with its dimensions), so nothing waits for the end of the invocation.
 */
export class PowertoolsMetricsSink implements MetricsSink {
  private readonly metrics: Metrics;

  constructor(serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME) {
    this.metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  }

  add(
    name: MetricName,
    unit: "Count" | "Seconds",
    value: number,
    dimensions: Record<string, string> = {},
  ): void {
    const single = this.metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit === "Count" ? MetricUnit.Count : MetricUnit.Seconds, value);
  }
}
