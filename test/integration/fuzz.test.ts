import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CleanupRequestSchema } from "../../packages/core/src/cleanup/run";
import { ROUTES } from "../../packages/functions/src/api";
import { useApi } from "../support/plane";

const api = useApi();
const RUNS = 1000;

// Calls that record or create something: none may happen while every input is invalid.
const WRITES = [
  "DynamoDB.PutItem",
  "DynamoDB.TransactWriteItems",
  "DynamoDB.UpdateItem",
  "DynamoDB.DeleteItem",
  "Organizations.CreateAccount",
  "Budgets.CreateBudget",
];

/** Text that arrives as a body: JSON of every shape, broken JSON, deep nesting, duplicate keys. */
const bodies = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.integer({ min: 1, max: 3000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.jsonValue(), fc.jsonValue())
    .map(
      ([k, a, b]) => `{${JSON.stringify(k)}:${JSON.stringify(a)},${JSON.stringify(k)}:${JSON.stringify(b)}}`,
    ),
  fc.constantFrom("", "null", "{}", "[]", '{"__proto__":{"x":1}}', '{"dryRun":false}'),
);

/** Path ids: printable and binary strings, broken percent-encoding, traversal. */
const ids = fc.oneof(
  fc.string({ minLength: 1 }).map(encodeURIComponent),
  fc.string({ unit: "binary", minLength: 1 }).map(encodeURIComponent),
  fc.constantFrom("%ZZ", "%", "%E0%A4%A", "..", "%2e%2e", "%00", "a%2Fb"),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,80}$/),
);

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
});
const headers = fc.record(
  {
    "content-type": fc.oneof(
      fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "APPLICATION/JSON",
      ),
      printable,
    ),
    "idempotency-key": printable,
    "x-qm-anything": printable,
  },
  { requiredKeys: [] },
);

const queries = fc.dictionary(
  fc.oneof(fc.constantFrom("status", "limit", "next"), fc.string()),
  fc.string(),
  {
    maxKeys: 4,
  },
);

/** Bodies a route accepts as valid: left out, since a valid request is allowed to act. */
function validFor(routeKey: string, body: string, query: Record<string, string>): boolean {
  // The export's one valid request reads the whole organisation: it is the integration test's, not the fuzz's.
  if (routeKey === "GET /baseline/export") return Object.keys(query).length === 0;
  if (
    routeKey === "POST /cleanup/runs" ||
    routeKey === "POST /budgets/reconcile" ||
    routeKey === "POST /drift/checks"
  ) {
    let parsed: unknown;
    try {
      parsed = body === "" ? {} : JSON.parse(body);
    } catch {
      return false; // not JSON: invalid, so it stays in the run
    }
    // Both take no fields: `{}` (or no body) starts a job, which is the integration tests' to check.
    if (routeKey === "POST /budgets/reconcile" || routeKey === "POST /drift/checks")
      return typeof parsed === "object" && parsed !== null && Object.keys(parsed).length === 0;
    return CleanupRequestSchema.safeParse(parsed).success;
  }
  return false;
}

describe("fuzzing every route", () => {
  it.each(Object.keys(ROUTES))(
    "%s: no generated input gets a 5xx, and nothing is recorded or created",
    async (routeKey) => {
      const [method, template] = routeKey.split(" ") as [string, string];
      const writesBefore = WRITES.map((op) => api.plane.counter.get(op));
      const statuses = new Map<number, number>();
      let sent = 0;

      await fc.assert(
        fc.asyncProperty(bodies, ids, headers, queries, async (body, id, hdrs, query) => {
          fc.pre(!validFor(routeKey, method === "POST" ? body : "", query));
          const path = template.replace(/\{\w+\}/, id);
          const search = new URLSearchParams(query).toString();
          const res = await fetch(`${api.url}${path}${search ? `?${search}` : ""}`, {
            method,
            headers: hdrs,
            body: method === "POST" ? body : undefined,
          });
          await res.arrayBuffer();
          sent++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          return res.status < 500;
        }),
        { numRuns: RUNS, maxSkipsPerRun: 100 },
      );

      expect(sent).toBeGreaterThanOrEqual(RUNS);
      expect(WRITES.map((op) => api.plane.counter.get(op))).toEqual(writesBefore);
    },
    120_000,
  );
});
