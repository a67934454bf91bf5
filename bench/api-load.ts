import autocannon from "autocannon";
import { createApiServer, listen } from "../packages/local/src/http-server";

type ApiHandler = Parameters<typeof createApiServer>[0];
type Plane = {
  apiHandler: ApiHandler;
  routeKeys: string[];
  counter: { snapshot(): Record<string, number> };
};

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const at = (values: number[], p: number) =>
  sorted(values)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] ?? 0;

/**
 * What the control plane itself spends on one `GET /accounts/requests/{id}`: the handler timed one
 * request at a time, so this process's CPU time between its start and its answer is that request's
 * alone (the emulator is another process; the HTTP client's work is outside the handler). At 500
 * requests a second one core has 2 ms for each.
 */
async function handlerCost(plane: Plane, path: string, requests: number) {
  const cpu: number[] = [];
  const timed: ApiHandler = async (event, context) => {
    const before = process.cpuUsage();
    try {
      return await plane.apiHandler(event, context);
    } finally {
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
    }
  };
  const server = createApiServer(timed, plane.routeKeys);
  const url = await listen(server, 0);
  const tableCalls = () =>
    Object.entries(plane.counter.snapshot())
      .filter(([op]) => op.startsWith("DynamoDB."))
      .reduce((n, [, c]) => n + c, 0);
  try {
    const before = tableCalls();
    for (let i = 0; i < requests; i++) {
      const res = await fetch(`${url}${path}`);
      await res.text();
      if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
    }
    return {
      requests,
      medianCpuMs: Math.round(at(cpu, 50) * 100) / 100,
      p95CpuMs: Math.round(at(cpu, 95) * 100) / 100,
      tableCallsPerRequest: (tableCalls() - before) / requests,
    };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** One autocannon run (10 s unless told): requests per second, p50 and p99 latency, and the non-2xx share. */
async function load(options: autocannon.Options) {
  const result = await autocannon({ duration: 10, connections: 20, ...options });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statuses: { "2xx": result["2xx"], "4xx": result["4xx"], "5xx": result["5xx"] },
    errors: result.errors + result.timeouts,
  };
}

/**
 * The local API: first what the control plane spends on one `GET /accounts/requests/{id}` (CPU time
 * and table calls, the target), then under load through the real handler and local mode's server:
 * `GET /health`, one `GET /accounts/requests/{id}` and an invalid `POST /accounts`, each at 500
 * requests per second for 10 seconds, plus the invalid POST unpaced. The latencies under load are
 * reported: on this machine they are mostly the emulator's table reads.
 */
export async function benchApi(plane: Plane, requestId: string, seconds = 10) {
  const getRequestCost = await handlerCost(plane, `/accounts/requests/${requestId}`, 200);
  const server = createApiServer(plane.apiHandler, plane.routeKeys);
  const url = await listen(server, 0);
  try {
    const paced = { overallRate: 500, duration: seconds };
    return {
      getRequestCost,
      health: await load({ url: `${url}/health`, ...paced }),
      getRequest: await load({ url: `${url}/accounts/requests/${requestId}`, ...paced }),
      invalidVend: await load({
        url: `${url}/accounts`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "not valid!", email: "nope" }),
        ...paced,
      }),
      invalidVendUnpaced: await load({
        url: `${url}/accounts`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "not valid!", email: "nope" }),
        duration: seconds,
      }),
    };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
