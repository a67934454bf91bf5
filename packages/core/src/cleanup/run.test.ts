import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { recordedRun, unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { type SandboxCleanupCompleted, SandboxCleanupCompletedSchema } from "../events/cleanup";
import { finishRun, planAccountTask, recordCleanupExecutionFailure } from "./run";

const sts = mockClient(STSClient);

beforeEach(() => {
  sts.reset();
});

async function runWithOneAccount() {
  const harness = unitContext({ cleanup: { regions: ["us-east-1"] } });
  await recordedRun(harness.runs, "run-1", {
    dryRun: false,
    trigger: "api",
    startedAt: "2026-11-23T00:00:00Z",
  });
  return harness;
}

describe("planAccountTask", () => {
  it("reports an account whose role cannot be assumed, naming the role, without throwing", async () => {
    const { ctx, runs } = await runWithOneAccount();
    sts
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied", $metadata: {} }));

    const result = await planAccountTask(ctx, {
      runId: "run-1",
      account: { accountId: "222233334444", name: "Workshops" },
    });

    expect(result).toEqual({ regions: [] });
    const report = (await runs.getRun("run-1"))?.accounts[0];
    expect(report?.error).toMatch(/arn:aws:iam::222233334444:role\/OrganizationAccountAccessRole/);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleSessionName: "quartermaster",
    });
  });
});

describe("finishRun", () => {
  it("marks the run FAILED when no account could be cleaned, and publishes the summary with failures", async () => {
    const { ctx, runs, events } = await runWithOneAccount();
    await runs.putAccountReport("run-1", {
      accountId: "222233334444",
      name: "W",
      regions: [],
      error: "denied",
    });

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
        failureCount: 1,
        failures: [{ accountId: "222233334444", reason: "denied" }],
        report: "/cleanup/runs/run-1",
      },
    });
  });

  it("publishes a summary EventBridge takes (under 256 KB) however many accounts failed, with every failure counted", async () => {
    const { ctx, runs, events } = await runWithOneAccount();
    const reason = `AccessDenied: ${"x".repeat(2_000)}`;
    for (let i = 0; i < 5_000; i += 1)
      await runs.putAccountReport("run-1", {
        accountId: String(300000000000 + i),
        name: `sandbox-${i}`,
        regions: [{ region: "us-east-1", deleted: [], skipped: [], failed: [{ stack: "db", reason }] }],
        error: i % 2 === 0 ? reason : undefined,
      });

    await finishRun(ctx, { runId: "run-1" }, "arn:aws:states:us-east-1:1:execution:sandbox-cleanup:run-1");

    const detail = events.events[0]?.detail as SandboxCleanupCompleted;
    expect(Buffer.byteLength(JSON.stringify(detail))).toBeLessThan(256 * 1024);
    expect(SandboxCleanupCompletedSchema.parse(detail)).toEqual(detail);
    expect(detail.failureCount).toBe(7_500);
    // The worst first: accounts that could not be cleaned at all.
    expect(detail.failures.every((f) => f.stack === undefined)).toBe(true);
  });

  it("is PARTIAL when one account failed and another was cleaned, and lists planned accounts that never reported", async () => {
    const { ctx, runs } = await runWithOneAccount();
    await runs.putAccountReport("run-1", {
      accountId: "111122223333",
      name: "A",
      regions: [{ region: "us-east-1", deleted: ["x"], skipped: [], failed: [] }],
    });

    const outcome = await finishRun(
      ctx,
      {
        runId: "run-1",
        planned: [
          { accountId: "111122223333", name: "A" },
          { accountId: "999988887777", name: "B" },
        ],
      },
      "arn",
    );

    expect(outcome.status).toBe("PARTIAL");
    const run = await runs.getRun("run-1");
    expect(run?.accounts.find((a) => a.accountId === "999988887777")?.error).toMatch(/did not complete/);
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
    const { ctx, runs, events } = await runWithOneAccount();

    const first = await recordCleanupExecutionFailure(ctx, change("TIMED_OUT"));
    const again = await recordCleanupExecutionFailure(ctx, change("TIMED_OUT"));

    expect([first, again]).toEqual([true, false]);
    expect((await runs.getRun("run-1"))?.status).toBe("FAILED");
    expect((await runs.getRun("run-1"))?.error).toMatch(/States.Timeout/);
    expect(events.events.map((e) => e.detailType)).toEqual(["Sandbox Cleanup Completed"]);
  });

  it("leaves alone a run FinishRun already ended, and executions of other state machines", async () => {
    const { ctx, events } = await runWithOneAccount();
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
