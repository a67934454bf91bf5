import { spawnSync } from "node:child_process";
import { PRICES, type SimulationResult } from "./simulation";

/**
 * One simulated night in a child process (`bench/simulate-one.ts`): the local interpreter keeps every
 * execution's events for the life of its process, so each simulation gets a heap of its own.
 */
export function simulateInChild(accounts: number, dryRun: boolean): SimulationResult {
  const child = spawnSync(
    process.execPath,
    [
      "--max-old-space-size=6144",
      "--import",
      "tsx",
      "bench/simulate-one.ts",
      String(accounts),
      dryRun ? "dry" : "real",
    ],
    { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
  );
  if (child.status !== 0)
    throw new Error(
      `The simulation of ${accounts} accounts failed (${child.status}): ${child.stderr.slice(-2000)}`,
    );
  return JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as SimulationResult;
}

/** The nightly clean-up of a whole organisation, simulated: a dry run, then a real one. */
export async function benchCleanupScale(accounts: number) {
  const dryRun = simulateInChild(accounts, true);
  const realRun = simulateInChild(accounts, false);
  return { dryRun, realRun };
}

/**
 * Prices the simulation does not play (us-east-1, as published on the date of PRICES): API Gateway
 * HTTP APIs per request, CloudWatch Logs per GB ingested and per GB-month stored, DynamoDB storage
 * per GB-month.
 */
const MORE_PRICES = {
  /** CloudWatch: a standard alarm a month, a dashboard a month beyond the free three. */
  alarmMonth: 0.1,
  dashboardMonth: 3,
  httpApiRequest: 1.0 / 1_000_000,
  logsIngestedGb: 0.5,
  logsStoredGbMonth: 0.03,
  tableStoredGbMonth: 0.25,
} as const;

/**
 * Assumptions where the bench measures no count (each stated in the table): a task invocation's
 * duration outside the simulation, the log bytes one invocation writes (a start, an end and a
 * result line of the structured logger), the API's traffic, a stored request's and a run's size.
 */
const ASSUMED = {
  taskSeconds: 0.5,
  logBytesPerInvocation: 2_000,
  apiRequestsPerMonth: 10_000,
  apiSeconds: 0.1,
  housekeepingSeconds: 1,
  reconcileSeconds: 60,
  requestItemBytes: 6_000,
  lambdaGb: 0.5,
  /** The Observability stack's alarms (7 in the synthesised template) and its one dashboard. */
  alarms: 7,
};

export interface ProductCostInput {
  /** Per vend, as the vend bench measured them. */
  vend: { transitionsPerVend: number; invocationsPerVend: number; tableCallsPerVend: number };
  /** One night's clean-up of the organisation's sandboxes (a real run). */
  night: SimulationResult;
  organisation: { accounts: number; sandboxes: number; vendsPerDay: number };
}

export interface CostRow {
  part: string;
  monthlyUsd: number;
  basis: string;
}

const lambdaCost = (invocations: number, seconds: number) =>
  invocations * PRICES.lambdaRequest + invocations * seconds * ASSUMED.lambdaGb * PRICES.lambdaGbSecond;

/** What the whole product costs a month for an organisation of this shape, from the measured counts. */
export function productCost(input: ProductCostInput): { rows: CostRow[]; totalUsd: number } {
  const { vend, night, organisation } = input;
  const vends = organisation.vendsPerDay * 30;
  const nights = 30;
  const housekeeping = 4 * 24 * 30;
  const invocations =
    vends * vend.invocationsPerVend +
    nights * night.lambdaInvocations +
    housekeeping +
    4 +
    ASSUMED.apiRequestsPerMonth;
  const logGb = (invocations * ASSUMED.logBytesPerInvocation) / 1e9;
  // Every run's items are kept 90 days (the table's TTL); requests are kept.
  const storedGb =
    (vends * ASSUMED.requestItemBytes +
      (90 / 30) * nights * night.accounts * 1_000 +
      organisation.accounts * 200) /
    1e9;
  const rows: CostRow[] = [
    {
      part: `vends (${vends} a month)`,
      monthlyUsd:
        vends *
        (vend.transitionsPerVend * PRICES.transition +
          lambdaCost(vend.invocationsPerVend, ASSUMED.taskSeconds) +
          vend.tableCallsPerVend * PRICES.dynamoWrite),
      basis: `${vend.transitionsPerVend} transitions, ${vend.invocationsPerVend} invocations (${ASSUMED.taskSeconds} s each, assumed) and ${vend.tableCallsPerVend} table requests per vend, measured`,
    },
    {
      part: `nightly clean-up (${night.accounts} sandboxes)`,
      monthlyUsd: nights * night.costUsd.total,
      basis: `one simulated night: $${night.costUsd.total.toFixed(3)} (${night.transitions} transitions, ${night.lambdaInvocations} invocations, ${night.tableWrites} table writes)`,
    },
    {
      part: "housekeeping (every 15 minutes) and the weekly budget reconcile",
      monthlyUsd:
        lambdaCost(housekeeping, ASSUMED.housekeepingSeconds) + lambdaCost(4, ASSUMED.reconcileSeconds),
      basis: `${housekeeping} sweeps of ${ASSUMED.housekeepingSeconds} s and 4 reconciles of ${ASSUMED.reconcileSeconds} s (assumed)`,
    },
    {
      part: `API (${ASSUMED.apiRequestsPerMonth.toLocaleString("en-US")} requests, assumed)`,
      monthlyUsd:
        ASSUMED.apiRequestsPerMonth * MORE_PRICES.httpApiRequest +
        lambdaCost(ASSUMED.apiRequestsPerMonth, ASSUMED.apiSeconds),
      basis: "HTTP API requests and the API function",
    },
    {
      part: "table storage",
      monthlyUsd: storedGb * MORE_PRICES.tableStoredGbMonth,
      basis: `${(storedGb * 1000).toFixed(0)} MB: requests, 90 days of clean-up reports, the directory`,
    },
    {
      part: "alarms and the dashboard",
      monthlyUsd: ASSUMED.alarms * MORE_PRICES.alarmMonth + MORE_PRICES.dashboardMonth,
      basis: `${ASSUMED.alarms} alarms and one dashboard (fixed: the only part that does not grow with use)`,
    },
    {
      part: "logs",
      monthlyUsd: logGb * (MORE_PRICES.logsIngestedGb + MORE_PRICES.logsStoredGbMonth),
      basis: `${(logGb * 1000).toFixed(0)} MB a month at ${ASSUMED.logBytesPerInvocation} bytes an invocation (assumed), ingested and stored (CloudWatch's default retention keeps them; each month adds its storage)`,
    },
  ];
  return { rows, totalUsd: rows.reduce((n, r) => n + r.monthlyUsd, 0) };
}
