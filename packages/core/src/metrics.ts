/** The metrics operators watch (namespace `Quartermaster`), one name each; dashboards and alarms use these. */
export const METRIC = {
  vendsStarted: "VendsStarted",
  vendsSucceeded: "VendsSucceeded",
  vendsFailed: "VendsFailed",
  vendDuration: "VendDuration",
  stacksDeleted: "CleanupStacksDeleted",
  stacksSkipped: "CleanupStacksSkipped",
  stacksFailed: "CleanupStacksFailed",
  slackDeliveryFailed: "SlackDeliveryFailed",
  accountsClosed: "AccountsClosed",
  closuresFailed: "ClosuresFailed",
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Where core records a metric: EMF through Powertools in Lambda, nothing (or a recorder) elsewhere. */
export interface MetricsSink {
  add(name: MetricName, unit: "Count" | "Seconds", value: number, dimensions?: Record<string, string>): void;
}

/** Records nothing: local mode prints no EMF lines among its output. */
export const noMetrics: MetricsSink = { add: () => undefined };
