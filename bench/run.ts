/**
 * `npm run bench`: vends accounts through the local control plane against moto and reports
 * latency, throughput, memory and AWS calls per vend. Targets live here, not in tests.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { parseConfig } from "../packages/core/src/config/config";
import { createLocalControlPlane } from "../packages/local/src/control-plane";
import { startEmulator, useEmulatorEnv } from "../packages/local/src/emulator";
import { seedReferenceOrg } from "../packages/local/src/seed";
import { benchApi } from "./api-load";
import { benchCleanup } from "./cleanup-throughput";
import { benchOrgSize } from "./org-size";
import { benchPlanner } from "./planner";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const COUNT = Number(process.env.BENCH_VENDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 5);
const ORG_SIZES = (process.env.BENCH_ORG_SIZES ?? "10,1000,5000").split(",").map(Number);
const CLEANUP_ACCOUNTS = Number(process.env.BENCH_CLEANUP_ACCOUNTS ?? 100);
const CLEANUP_STACKS = Number(process.env.BENCH_CLEANUP_STACKS ?? 5);
const CLEANUP_WAIT_MS = Number(process.env.BENCH_CLEANUP_WAIT_MS ?? 1000);
// Targets on this 2-core machine against moto; a run that misses one exits 1.
const TARGETS = {
  p95Ms: 5_000,
  maxRssMb: 600,
  maxAwsCallsPerVend: 25,
  maxPlanMs: 2_000,
  apiP99Ms: 25,
  cleanupSpeedup: 5,
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

async function main() {
  const emulator = await startEmulator();
  useEmulatorEnv(emulator.url, "us-east-1");
  try {
    const seeded = await seedReferenceOrg({ region: "us-east-1", tableName: "quartermaster-bench" });
    const plane = createLocalControlPlane({
      config: parseConfig({ creation: { pollMinSeconds: 1, pollMaxSeconds: 2, deadlineMinutes: 5 } }),
      tableName: "quartermaster-bench",
      budgetTopicArn: seeded.budgetTopicArn,
      waitMs: 10,
      retryIntervalMs: 10,
      logger: new Logger({ serviceName: "bench", logLevel: "SILENT" }),
      print: () => undefined,
    });
    // Control-plane AWS calls (throttled by AWS per account) versus the project's own table.
    const count = (ownTable: boolean) =>
      Object.entries(plane.counter.snapshot())
        .filter(([op]) => op.startsWith("DynamoDB.") === ownTable)
        .reduce((a, [, n]) => a + n, 0);
    const before = { aws: count(false), table: count(true) };
    const latencies: number[] = [];
    let lastRequestId = "";
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < COUNT) {
        const i = next++;
        const t0 = Date.now();
        const { record } = await import("../packages/core/src/vending/submit").then((m) =>
          m.submitVendRequest(plane.ctx, {
            body: {
              name: `bench-${i}`,
              email: `aws+bench-${i}-${started}@example.com`,
              ou: "Workloads/Development",
              access: [{ group: "Developers", permissionSets: ["ReadOnlyAccess"] }],
            },
          }),
        );
        lastRequestId = record.requestId;
        const status = await plane.runner.wait(record.executionArn as string);
        if (status !== "SUCCEEDED") throw new Error(`vend ${i} ended ${status}`);
        latencies.push(Date.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = Date.now() - started;
    const awsCalls = count(false) - before.aws;
    const tableCalls = count(true) - before.table;
    const result = {
      vends: COUNT,
      concurrency: CONCURRENCY,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      vendsPerMinute: Math.round((COUNT / elapsed) * 60_000),
      awsCallsPerVend: Math.round((awsCalls / COUNT) * 10) / 10,
      tableCallsPerVend: Math.round((tableCalls / COUNT) * 10) / 10,
      rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      callsByOperation: plane.counter.snapshot(),
      planner: benchPlanner(),
      api: await benchApi(plane, lastRequestId),
      cleanup: await benchCleanup({
        tableName: "quartermaster-bench",
        budgetTopicArn: seeded.budgetTopicArn,
        accounts: CLEANUP_ACCOUNTS,
        stacks: CLEANUP_STACKS,
        waitMs: CLEANUP_WAIT_MS,
      }),
      orgSize: await benchOrgSize("quartermaster-bench", ORG_SIZES),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const missed = [
      result.p95Ms > TARGETS.p95Ms && `p95 ${result.p95Ms} ms > ${TARGETS.p95Ms}`,
      result.rssMb > TARGETS.maxRssMb && `RSS ${result.rssMb} MB > ${TARGETS.maxRssMb}`,
      result.awsCallsPerVend > TARGETS.maxAwsCallsPerVend &&
        `${result.awsCallsPerVend} AWS calls/vend > ${TARGETS.maxAwsCallsPerVend}`,
      result.cleanup.speedup < TARGETS.cleanupSpeedup &&
        `clean-up at concurrency 10 is ${result.cleanup.speedup}x concurrency 1, < ${TARGETS.cleanupSpeedup}x`,
      result.planner.planMs > TARGETS.maxPlanMs &&
        `planning ${result.planner.stacks} stacks took ${result.planner.planMs} ms > ${TARGETS.maxPlanMs}`,
      ...result.orgSize.map(
        (r) =>
          (r.medianCallsPerRequest !== result.orgSize[0]?.medianCallsPerRequest ||
            r.medianMs > 1.5 * (result.orgSize[0]?.medianMs ?? 0)) &&
          `POST /accounts at ${r.accounts} accounts: ${r.medianCallsPerRequest} calls, ${r.medianMs} ms (10 accounts: ${result.orgSize[0]?.medianCallsPerRequest}, ${result.orgSize[0]?.medianMs} ms)`,
      ),
      ...(["health", "getRequest"] as const).map(
        (route) =>
          result.api[route].p99Ms > TARGETS.apiP99Ms &&
          `${route} p99 ${result.api[route].p99Ms} ms > ${TARGETS.apiP99Ms} at 500 requests/s`,
      ),
    ].filter(Boolean);
    if (missed.length) {
      process.stderr.write(`bench: missed targets: ${missed.join("; ")}\n`);
      process.exitCode = 1;
    }
  } finally {
    await emulator.stop();
  }
}

await main();
