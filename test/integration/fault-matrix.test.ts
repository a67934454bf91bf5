import { describe, expect, it } from "vitest";
import { ensureTable } from "../../packages/local/src/seed";
import { TEST_REGION } from "../support/aws-env";
import { accountsWithEmail } from "../support/org";
import { pathDriverPlugin } from "../support/path-drivers";
import { call, serveApi, testPlane, unique } from "../support/plane";

/** The faults of the matrix: two transient kinds the steps retry, one terminal kind they report. */
const FAULTS = [
  { label: "throttling x3", spec: "ThrottlingException:3", terminal: false },
  { label: "internal failure x2", spec: "InternalFailure:2", terminal: false },
  { label: "access denied x1", spec: "AccessDeniedException:1", terminal: true },
] as const;

/** Operations every vend must reach (with the path drivers), so no cell can pass without running. */
const MUST_REACH = [
  "Organizations.CreateAccount",
  "Organizations.MoveAccount",
  "SSOAdmin.CreateAccountAssignment",
  "SSOAdmin.DescribeAccountAssignmentCreationStatus",
  "Budgets.DescribeNotificationsForBudget",
  "Budgets.DeleteNotification",
  "Budgets.CreateNotification",
];

const body = (name: string) => ({
  name,
  email: `aws+${name}@example.com`,
  ou: "Workloads/QA",
  access: [{ group: "Developers", permissionSets: ["ReadOnlyAccess", "AdministratorAccess"] }],
  budget: { monthlyLimitUsd: 25, thresholds: [80] },
  tags: { team: "matrix" },
});

interface CellResult {
  cell: string;
  ok: boolean;
  detail: string;
}

/** One vend through the API with one fault injected; returns whether it ended as the matrix requires. */
// A table of its own: its own CreateAccount slots, shared with no other test file.
const tableName = unique("qm-matrix");

async function runCell(operation: string, fault: (typeof FAULTS)[number]): Promise<CellResult> {
  const cell = `${operation} × ${fault.label}`;
  const plane = testPlane({ faults: `${operation}=${fault.spec}`, plugins: [pathDriverPlugin()], tableName });
  const api = await serveApi(plane);
  try {
    const name = unique("matrix");
    const email = `aws+${name}@example.com`;
    let accepted = await call(api.url, "POST", "/accounts", body(name));
    let failedAt = "";
    if (accepted.status === 502 && fault.terminal) {
      // The fault hit POST /accounts itself: refused before anything was recorded or created.
      if (!accepted.body.error.message.includes("AccessDeniedException"))
        return { cell, ok: false, detail: `502 without the AWS error: ${accepted.body.error.message}` };
      failedAt = "POST /accounts (502)";
      accepted = await call(api.url, "POST", "/accounts", body(name));
    }
    if (accepted.status !== 202) return { cell, ok: false, detail: `POST answered ${accepted.status}` };
    await plane.runner.idle();
    await plane.events.drain();
    let view = (await call(api.url, "GET", accepted.body.links.self)).body;
    if (fault.terminal && !failedAt) {
      if (view.status !== "FAILED" || !view.error?.step || !/AccessDeniedException/.test(view.error.message))
        return {
          cell,
          ok: false,
          detail: `expected FAILED naming the step, got ${JSON.stringify(view.error)}`,
        };
      failedAt = view.error.step;
      const retried = await call(api.url, "POST", `/accounts/requests/${view.requestId}/retry`);
      if (retried.status !== 202) return { cell, ok: false, detail: `retry answered ${retried.status}` };
      await plane.runner.idle();
      await plane.events.drain();
      view = (await call(api.url, "GET", accepted.body.links.self)).body;
    }
    const accounts = (await accountsWithEmail(email)).length;
    const pending = plane.faults.pending().length;
    const ok = view.status === "SUCCEEDED" && accounts === 1 && pending === 0;
    const where = failedAt ? `failed at ${failedAt}, retried` : "retried inside the step";
    return {
      cell,
      ok,
      detail: `${view.status}, ${accounts} account(s), ${pending} unfired fault(s); ${where}`,
    };
  } finally {
    await api.close();
  }
}

describe("the fault matrix", () => {
  it("ends every vend SUCCEEDED with one account, whatever one AWS operation of it fails with", async () => {
    // The operations: what one vend (POST /accounts and its workflow) calls, with the path drivers.
    await ensureTable(TEST_REGION, tableName);
    const baseline = testPlane({ plugins: [pathDriverPlugin()], tableName });
    const served = await serveApi(baseline);
    const accepted = await call(served.url, "POST", "/accounts", body(unique("matrix-base")));
    await baseline.runner.idle();
    await baseline.events.drain();
    const status = (await call(served.url, "GET", accepted.body.links.self)).body.status;
    await served.close();
    const operations = Object.keys(baseline.counter.snapshot()).filter((op) => !op.startsWith("DynamoDB."));
    expect(status).toBe("SUCCEEDED");
    expect(operations).toEqual(expect.arrayContaining(MUST_REACH));

    const cells = operations.flatMap((op) => FAULTS.map((fault) => () => runCell(op, fault)));
    const results: CellResult[] = [];
    const queue = [...cells];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) results.push(await next());
    };
    await Promise.all(Array.from({ length: 4 }, worker));

    const passed = results.filter((r) => r.ok).length;
    process.stdout.write(`fault matrix: ${passed} / ${results.length} cases passed\n`);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results).toHaveLength(operations.length * FAULTS.length);
  }, 240_000);
});
