import { Logger } from "@aws-lambda-powertools/logger";
import { CreateAccountCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { ALL_CLIENT_CLASSES } from "../packages/core/src/aws/all-clients";
import { CallCounter, callCounterPlugin } from "../packages/core/src/aws/middleware";
import { parseConfig } from "../packages/core/src/config/config";
import { createCoreContext } from "../packages/core/src/runtime";
import { submitVendRequest } from "../packages/core/src/vending/submit";
import type { WorkflowRunner } from "../packages/core/src/workflow/runner";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Records the start and runs nothing: this measures the request path, not the vend. */
const noRun: WorkflowRunner = {
  start: async (workflow, name) => ({
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:${workflow}:${name}`,
  }),
  describe: async () => undefined,
  redrive: async () => undefined,
  completeTask: async () => false,
};

/**
 * `POST /accounts`' request path (validate, resolve, check the email, record, start) at growing
 * organisation sizes: the emulator gets accounts added up to each size, then `requests` requests are
 * timed, each counting its AWS calls. With the directory cache warm, calls stay the same at any size.
 */
export async function benchOrgSize(tableName: string, sizes = [10, 1000, 5000], requests = 20) {
  const org = new OrganizationsClient({ region: "us-east-1" });
  let created = 0;
  const results = [];
  for (const size of sizes) {
    while (created < size) {
      const batch = Array.from({ length: Math.min(25, size - created) }, (_, i) => created + i);
      await Promise.all(
        batch.map((i) =>
          org.send(
            new CreateAccountCommand({ AccountName: `filler-${i}`, Email: `aws+filler-${i}@example.com` }),
          ),
        ),
      );
      created += batch.length;
    }
    const counter = new CallCounter();
    const ctx = createCoreContext({
      config: parseConfig({}),
      tableName,
      eventBusName: "bench",
      plugins: [callCounterPlugin(counter)],
      clientClasses: ALL_CLIENT_CLASSES,
      logger: new Logger({ serviceName: "bench", logLevel: "SILENT" }),
      workflows: noRun,
      events: { publish: async () => undefined },
    });
    const latencies: number[] = [];
    const calls: number[] = [];
    const total = () =>
      Object.entries(counter.snapshot())
        .filter(([op]) => !op.startsWith("DynamoDB."))
        .reduce((n, [, c]) => n + c, 0);
    for (let i = 0; i < requests; i++) {
      const before = total();
      const t0 = performance.now();
      await submitVendRequest(ctx, {
        body: {
          name: `size-${size}-${i}`,
          email: `aws+size-${size}-${i}-${Date.now()}@example.com`,
          ou: "Workloads/Development",
          access: [{ group: "Developers", permissionSets: ["ReadOnlyAccess"] }],
        },
      });
      latencies.push(performance.now() - t0);
      calls.push(total() - before);
    }
    // One read of the project's table at this size: what the emulator itself costs now, for comparison.
    const reads: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      await ctx.store.get(`req-absent-${i}`);
      reads.push(performance.now() - t0);
    }
    results.push({
      accounts: size,
      medianTableReadMs: Math.round(median(reads) * 10) / 10,
      firstRequestCalls: calls[0],
      medianCallsPerRequest: median(calls.slice(1)),
      medianMs: Math.round(median(latencies.slice(1)) * 10) / 10,
    });
  }
  return results;
}
