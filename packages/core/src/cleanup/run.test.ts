import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { recordedRun, unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { type SandboxCleanupCompleted, SandboxCleanupCompletedSchema } from "../events/cleanup";
import type { AccountReport } from "../store/cleanup-runs/record";
import { cleanAccountStep, finishAccount } from "./clean-account";
import { finishRun, getCleanupRun, recordCleanupExecutionFailure } from "./run";

const sts = mockClient(STSClient);

beforeEach(() => {
  sts.reset();
});

async function runWithAccounts(accounts: number) {
  const harness = unitContext({ cleanup: { regions: ["us-east-1"] } });
  await recordedRun(harness.runs, "run-1", {
    dryRun: false,
    trigger: "api",
    startedAt: "2026-11-23T00:00:00Z",
  });
  const planned = Array.from({ length: accounts }, (_, i) => ({
    accountId: String(300000000000 + i),
    name: `sandbox-${i}`,
  }));
  await harness.runs.recordPlan("run-1", { accounts: planned, refused: [] });
  return harness;
}

/** An account's clean-up as its last step leaves it: reported and finished. */
async function finished(harness: Awaited<ReturnType<typeof runWithAccounts>>, report: AccountReport) {
  await harness.runs.putAccountReport("run-1", report);
  await finishAccount(harness.ctx, "run-1", report);
}

describe("cleanAccountStep", () => {
  it("reports an account whose role cannot be assumed, naming the role, as the account's failure, and finishes it once", async () => {
    const { ctx } = await runWithAccounts(1);
    sts
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied", $metadata: {} }));
    const account = { accountId: "222233334444", name: "Workshops" };

    const step = await cleanAccountStep(ctx, { runId: "run-1", dryRun: false, account });
    const again = await cleanAccountStep(ctx, { runId: "run-1", dryRun: false, account });

    expect([step, again]).toEqual([
      { done: true, waitSeconds: 0 },
      { done: true, waitSeconds: 0 },
    ]);
    const run = await getCleanupRun(ctx, "run-1");
    expect(run.accounts[0]?.error).toMatch(/arn:aws:iam::222233334444:role\/OrganizationAccountAccessRole/);
    expect(run.summary).toMatchObject({ accounts: 1, finished: 1, accountsFailed: 1 });
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleSessionName: "quartermaster",
    });
  });
});

describe("finishRun", () => {
  it("marks the run FAILED when no account could be cleaned, and publishes the summary with the worst accounts", async () => {
    const harness = await runWithAccounts(1);
    const { ctx, events } = harness;
    await finished(harness, { accountId: "222233334444", name: "W", regions: [], error: "denied" });

    const outcome = await finishRun(
      ctx,
      { runId: "run-1" },
      "arn:aws:states:us-east-1:1:execution:sandbox-cleanup:run-1",
    );

    expect(outcome.status).toBe("FAILED");
    expect(await finishRun(ctx, { runId: "run-1" }, "arn")).toEqual({ runId: "run-1", status: "FAILED" });
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({
      detailType: "Sandbox Cleanup Completed",
      detail: {
        runId: "run-1",
        status: "FAILED",
        accounts: 1,
        accountsFailed: 1,
        failureCount: 1,
        failures: [{ accountId: "222233334444", reason: "denied" }],
        report: "/cleanup/runs/run-1",
      },
    });
  });

  it("publishes a summary EventBridge takes (under 256 KB) however many accounts failed, with every failure counted and the worst named", async () => {
    const harness = await runWithAccounts(5_000);
    const reason = `AccessDenied: ${"x".repeat(2_000)}`;
    for (let i = 0; i < 5_000; i += 1)
      await finished(harness, {
        accountId: String(300000000000 + i),
        name: `sandbox-${i}`,
        regions: [
          {
            region: "us-east-1",
            deleted: [],
            skipped: [],
            failed: Array.from({ length: i === 4_999 ? 3 : 1 }, (_, n) => ({ stack: `db-${n}`, reason })),
          },
        ],
        error: i % 2 === 0 ? reason : undefined,
      });

    await finishRun(
      harness.ctx,
      { runId: "run-1" },
      "arn:aws:states:us-east-1:1:execution:sandbox-cleanup:run-1",
    );

    const detail = harness.events.events[0]?.detail as SandboxCleanupCompleted;
    expect(Buffer.byteLength(JSON.stringify(detail))).toBeLessThan(256 * 1024);
    expect(SandboxCleanupCompletedSchema.parse(detail)).toEqual(detail);
    expect(detail.failureCount).toBe(5_002 + 2_500);
    expect(detail.accountsWithFailures).toBe(5_000);
    // The worst first: accounts that could not be cleaned at all, one entry per account.
    expect(detail.failures).toHaveLength(10);
    expect(detail.failures.every((f) => f.stack === undefined)).toBe(true);
    expect(new Set(detail.failures.map((f) => f.accountId)).size).toBe(10);
  });

  it("is PARTIAL when one account failed and another was cleaned; reports planned accounts that never reported, and abandons regions under way", async () => {
    const harness = await runWithAccounts(0);
    const { ctx, runs } = harness;
    await runs.recordPlan("run-1", {
      accounts: [
        { accountId: "111122223333", name: "A" },
        { accountId: "444455556666", name: "C" },
        { accountId: "999988887777", name: "B" },
      ],
      refused: [],
    });
    await finished(harness, {
      accountId: "111122223333",
      name: "A",
      regions: [{ region: "us-east-1", deleted: ["x"], skipped: [], failed: [] }],
    });
    // C started and its execution stopped while a deletion was under way.
    await runs.putAccountReport("run-1", {
      accountId: "444455556666",
      name: "C",
      regions: [{ region: "us-east-1", deleted: [], skipped: [], failed: [], inProgress: ["slow"] }],
    });
    await runs.putRegionProgress("run-1", "444455556666", {
      region: "us-east-1",
      deleted: [],
      skipped: [],
      failed: [],
      pending: [],
      inFlight: [{ stack: "slow", forced: false }],
      dependents: {},
      settling: false,
      done: false,
      startedAt: "2026-11-23T00:00:00Z",
      deadline: "2026-11-23T01:00:00Z",
    });

    const outcome = await finishRun(ctx, { runId: "run-1" }, "arn");

    expect(outcome.status).toBe("PARTIAL");
    const run = await getCleanupRun(ctx, "run-1");
    expect(run.accounts.find((a) => a.accountId === "999988887777")?.error).toMatch(/did not complete/);
    expect(run.accounts.find((a) => a.accountId === "444455556666")?.regions[0]?.failed).toEqual([
      { stack: "slow", reason: "still deleting: the clean-up ended before this region did" },
    ]);
    expect(run.summary).toMatchObject({ accounts: 3, finished: 3, deleted: 1, failed: 1, accountsFailed: 1 });
  });
});

describe("getCleanupRun", () => {
  it("pages accounts and refusals in account order with the summary whole on every page, and refuses a forged token", async () => {
    const harness = await runWithAccounts(5);
    await harness.runs.recordPlan("run-1", {
      accounts: Array.from({ length: 5 }, (_, i) => ({
        accountId: String(500000000000 + i),
        name: `sb-${i}`,
      })),
      refused: [
        { accountId: "000000000001", name: "mgmt", reason: "the management account is never cleaned" },
        { accountId: "000000000002", name: "susp", reason: "SUSPENDED" },
      ],
    });
    for (let i = 0; i < 5; i++)
      await finished(harness, {
        accountId: String(500000000000 + i),
        name: `sb-${i}`,
        regions: [{ region: "us-east-1", deleted: [`s${i}`], skipped: [], failed: [] }],
      });

    const pages = [];
    let next: string | undefined;
    do {
      const page = await getCleanupRun(harness.ctx, "run-1", { limit: "2", ...(next ? { next } : {}) });
      pages.push(page);
      next = page.next;
    } while (next);

    expect(pages.map((p) => p.accounts.map((a) => a.accountId.slice(-1)))).toEqual([
      ["0", "1"],
      ["2", "3"],
      ["4"],
    ]);
    expect(pages.map((p) => p.refused.length)).toEqual([2, 0, 0]);
    for (const page of pages) expect(page.summary).toMatchObject({ accounts: 5, refused: 2, deleted: 5 });
    await expect(getCleanupRun(harness.ctx, "run-1", { next: "eyJhIjoiMSJ9" })).rejects.toThrow(
      /Invalid pagination token/,
    );
    await expect(getCleanupRun(harness.ctx, "run-1", { limit: "501" })).rejects.toThrow(/Invalid query/);
  });
});

describe("recordCleanupExecutionFailure", () => {
  const change = (status: string, name = "run-1") => ({
    executionArn: `arn:aws:states:us-east-1:1:execution:q-sandbox-cleanup:${name}`,
    stateMachineArn: "arn:aws:states:us-east-1:1:stateMachine:q-sandbox-cleanup",
    name,
    status,
    error: "States.Timeout",
    cause: "The execution timed out",
    input: JSON.stringify({ runId: "run-1", dryRun: false }),
  });

  it("finishes a run whose execution timed out before FinishRun ran, and announces it once", async () => {
    const { ctx, runs, events } = await runWithAccounts(0);

    const first = await recordCleanupExecutionFailure(ctx, change("TIMED_OUT"));
    const again = await recordCleanupExecutionFailure(ctx, change("TIMED_OUT"));

    expect([first, again]).toEqual([true, false]);
    expect((await runs.getRun("run-1"))?.status).toBe("FAILED");
    expect((await runs.getRun("run-1"))?.error).toMatch(/States.Timeout/);
    expect(events.events.map((e) => e.detailType)).toEqual(["Sandbox Cleanup Completed"]);
  });

  it("leaves alone a run FinishRun already ended, and executions of other state machines", async () => {
    const { ctx, events } = await runWithAccounts(0);
    await finishRun(ctx, { runId: "run-1" }, "arn");
    const vend = {
      ...change("FAILED"),
      stateMachineArn: "arn:aws:states:us-east-1:1:stateMachine:q-vend-account",
    };

    expect(await recordCleanupExecutionFailure(ctx, change("FAILED"))).toBe(false);
    expect(await recordCleanupExecutionFailure(ctx, vend)).toBe(false);
    expect(events.events).toHaveLength(1);
  });
});
