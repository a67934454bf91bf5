import autocannon from "autocannon";
import { createApiServer, listen } from "../packages/local/src/http-server";

type Plane = {
  apiHandler: Parameters<typeof createApiServer>[0];
  routeKeys: string[];
};

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
 * The local API under load, through the real handler and local mode's server: `GET /health`, one
 * `GET /accounts/requests/{id}` and an invalid `POST /accounts`, each at 500 requests per second for
 * 10 seconds (so p99 is measured at that rate), plus the invalid POST unpaced (the most it takes).
 */
export async function benchApi(plane: Plane, requestId: string, seconds = 10) {
  const server = createApiServer(plane.apiHandler, plane.routeKeys);
  const url = await listen(server, 0);
  try {
    const paced = { overallRate: 500, duration: seconds };
    return {
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
