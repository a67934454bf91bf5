import { Logger } from "@aws-lambda-powertools/logger";
import { parseConfig } from "../packages/core/src/config/config";
import { submitVendRequest } from "../packages/core/src/vending/submit";
import { createLocalControlPlane } from "../packages/local/src/control-plane";

/**
 * Account creation awaited by its event, in local mode playing AWS: each creation takes
 * `creationMs`, then Organizations' CreateAccountResult is published on the local bus, as CloudTrail
 * delivers it. For `vends` vends one after another: the extra latency from the event to the next step
 * (Place) starting, and the status checks per vend.
 */
export async function benchCreationEvents(options: {
  tableName: string;
  budgetTopicArn: string;
  vends: number;
  creationMs: number;
}) {
  const plane = createLocalControlPlane({
    config: parseConfig({}),
    tableName: options.tableName,
    budgetTopicArn: options.budgetTopicArn,
    creationMs: options.creationMs,
    waitMs: 10,
    retryIntervalMs: 10,
    logger: new Logger({ serviceName: "bench", logLevel: "SILENT" }),
    print: () => undefined,
  });
  const extra: number[] = [];
  const checksBefore = plane.counter.get("Organizations.DescribeCreateAccountStatus");
  const stamp = Date.now();
  for (let i = 0; i < options.vends; i++) {
    const { record } = await submitVendRequest(plane.ctx, {
      body: { name: `event-${i}`, email: `aws+event-${i}-${stamp}@example.com`, ou: "Sandbox" },
    });
    const status = await plane.runner.wait(record.executionArn as string);
    if (status !== "SUCCEEDED") throw new Error(`vend ${i} ended ${status}`);
    const done = await plane.ctx.store.get(record.requestId);
    const event = plane.events.published.find(
      (e) =>
        e.source === "aws.organizations" &&
        (e.detail.serviceEventDetails as { createAccountStatus: { id: string } }).createAccountStatus.id ===
          done?.createRequestId,
    );
    const placeStarted = done?.steps.place?.startedAt;
    if (!event || !placeStarted) throw new Error(`vend ${i}: no creation event or no place step`);
    extra.push(Date.parse(placeStarted) - Date.parse(event.time));
  }
  const checks = plane.counter.get("Organizations.DescribeCreateAccountStatus") - checksBefore;
  await plane.events.drain();
  const sorted = [...extra].sort((a, b) => a - b);
  return {
    vends: options.vends,
    creationMs: options.creationMs,
    extraLatencyP50Ms: sorted[Math.floor(sorted.length / 2)] ?? 0,
    extraLatencyMaxMs: sorted[sorted.length - 1] ?? 0,
    statusCallsPerVend: Math.round((checks / options.vends) * 10) / 10,
  };
}
