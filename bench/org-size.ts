import { Logger } from "@aws-lambda-powertools/logger";
import { CreateAccountCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { ALL_CLIENT_CLASSES } from "../packages/core/src/aws/all-clients";
import { CallCounter, callCounterPlugin } from "../packages/core/src/aws/middleware";
import { parseConfig } from "../packages/core/src/config/config";
import { createCoreContext } from "../packages/core/src/runtime";
import { submitVendRequest } from "../packages/core/src/vending/submit";
import type { WorkflowRunner } from "../packages/core/src/workflow/runner";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round = (ms: number) => Math.round(ms * 100) / 100;

/** This process's CPU time since `before`, in ms: the control plane's own work, not the emulator's (another process). */
function cpuMsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

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
 * organisation sizes: the emulator gets accounts added up to each size, then `requests` requests run
 * one at a time, each measured by what the control plane itself spends: this process's CPU time (the
 * emulator runs in another), its AWS calls and its table calls. The first request at each size is the
 * cold one (a new context: an empty directory cache); the others are warm. With the cache warm, calls
 * stay the same at any size. Latency is reported, but it is mostly the emulator's, which slows down
 * with its organisation.
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
    const tableCalls: number[] = [];
    const cpu: number[] = [];
    const total = (table: boolean) =>
      Object.entries(counter.snapshot())
        .filter(([op]) => op.startsWith("DynamoDB.") === table)
        .reduce((n, [, c]) => n + c, 0);
    for (let i = 0; i < requests; i++) {
      const before = total(false);
      const beforeTable = total(true);
      const cpuBefore = process.cpuUsage();
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
      cpu.push(cpuMsSince(cpuBefore));
      calls.push(total(false) - before);
      tableCalls.push(total(true) - beforeTable);
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
      firstRequestTableCalls: tableCalls[0],
      medianTableCallsPerRequest: median(tableCalls.slice(1)),
      coldCpuMs: round(cpu[0] ?? 0),
      medianCpuMs: round(median(cpu.slice(1))),
      medianMs: Math.round(median(latencies.slice(1)) * 10) / 10,
    });
  }
  return results;
}
