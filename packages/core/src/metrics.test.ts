import { recordedRun, unitContext, vendState } from "@test/support/unit-context";
import { describe, expect, it } from "vitest";
import { finishAccount } from "./cleanup/clean-account";
import { finishRun } from "./cleanup/run";
import { METRIC } from "./metrics";
import { recordFailure } from "./vending/failures";
import { recordSuccess } from "./vending/record";

describe("operator metrics", () => {
  it("count a vend that succeeded once (even when the step runs twice) and how long it took", async () => {
    const { ctx, store, metrics, clock } = unitContext();
    const state = vendState(store, { create: { accountId: "210987654321", adopted: false } });
    clock.now = new Date("2026-11-23T11:04:30.000Z");

    await recordSuccess(ctx, state);
    await recordSuccess(ctx, state);

    expect(metrics.total(METRIC.vendsSucceeded)).toBe(1);
    expect(metrics.recorded.find((m) => m.name === METRIC.vendDuration)).toMatchObject({
      unit: "Seconds",
      value: 270,
    });
  });

  it("count a failed vend by the step it failed at", async () => {
    const { ctx, store, metrics } = unitContext();
    const state = vendState(store);

    await recordFailure(ctx, {
      requestId: state.requestId,
      step: "place",
      code: "ACCESS_DENIED",
      message: "no",
    });

    expect(metrics.recorded).toEqual([
      { name: METRIC.vendsFailed, unit: "Count", value: 1, dimensions: { Step: "place" } },
    ]);
  });

  it("count a real clean-up's deleted, skipped and failed stacks, and nothing for a dry run", async () => {
    for (const dryRun of [false, true]) {
      const { ctx, runs, metrics } = unitContext();
      await recordedRun(runs, "run-m", { dryRun, trigger: "schedule", startedAt: "2026-11-23T00:00:00Z" });
      await runs.recordPlan("run-m", { accounts: [{ accountId: "222233334444", name: "W" }], refused: [] });
      const report = {
        accountId: "222233334444",
        name: "W",
        regions: [
          {
            region: "us-east-1",
            deleted: ["a", "b"],
            skipped: [{ stack: "CDKToolkit", reason: "protected" }],
            failed: [{ stack: "c", reason: "DELETE_FAILED" }],
          },
        ],
      };
      await runs.putAccountReport("run-m", report);
      await finishAccount(ctx, "run-m", report);

      await finishRun(ctx, { runId: "run-m" }, "arn:aws:states:us-east-1:1:execution:sandbox-cleanup:run-m");

      const counts = [METRIC.stacksDeleted, METRIC.stacksSkipped, METRIC.stacksFailed].map((m) =>
        metrics.total(m),
      );
      expect(counts).toEqual(dryRun ? [0, 0, 0] : [2, 1, 1]);
      expect(metrics.recorded.length).toBe(dryRun ? 0 : 3);
    }
  });
});
