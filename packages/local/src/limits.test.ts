import {
  CLEANUP_TASK_STATES,
  CLEANUP_TASKS,
  CLEANUP_WAIT_STATES,
  sandboxCleanupDefinition,
} from "@quartermaster/core/cleanup/definition";
import { MAX_EVENT_BYTES } from "@quartermaster/core/events/publisher";
import { type AslDefinition, lambdaTask, localTaskArns } from "@quartermaster/core/workflow/asl";
import type { ExecutionStatusChange } from "@quartermaster/core/workflow/execution-events";
import { describe, expect, it } from "vitest";
import { DEFAULT_REGIONS } from "../../../bench/simulation";
import { SFN_LIMITS } from "./limits";
import { LocalEventBus } from "./local-events";
import { type LocalTaskHandler, LocalWorkflowRunner } from "./local-runner";

/** A runner for one workflow whose tasks are these functions; failures are collected as the monitor gets them. */
function runnerFor(
  definition: AslDefinition,
  tasks: Record<string, (state: Record<string, unknown>) => unknown>,
  waits: string[] = [],
  objects: Map<string, unknown[]> = new Map(),
) {
  const failures: ExecutionStatusChange[] = [];
  const runner = new LocalWorkflowRunner({
    retryIntervalMs: 1,
    onFailure: async (change) => {
      failures.push(change);
    },
    readItems: async ({ Bucket, Key }) => {
      const items = objects.get(`${Bucket}/${Key}`);
      if (!items) throw new Error(`NoSuchKey: ${Bucket}/${Key}`);
      return items;
    },
    workflows: {
      "sandbox-cleanup": {
        definition,
        tasks: Object.fromEntries(
          Object.entries(tasks).map(([state, run]) => [
            state,
            (async (event: { state: Record<string, unknown> }) =>
              run(event.state)) as unknown as LocalTaskHandler,
          ]),
        ),
        waits: Object.fromEntries(waits.map((w) => [w, 0])),
      },
    },
  });
  return { runner, failures };
}

describe("the local runner, strict where Step Functions is", () => {
  it("holds the clean-up definition within every Step Functions limit at 500 sandbox accounts in 17 regions: one child history per account, the accounts in no state", async () => {
    const accounts = Array.from({ length: 500 }, (_, i) => ({
      accountId: String(300000000000 + i),
      name: `sb-${i}`,
    }));
    const objects = new Map([["items/run-limit.json", accounts as unknown[]]]);
    const steps = new Map<string, number>();
    const byTask: Record<string, (state: Record<string, unknown>) => unknown> = {
      startRun: () => ({
        runId: "run-limit",
        dryRun: true,
        items: { bucket: "items", key: "run-limit.json", count: accounts.length },
      }),
      // One step per account does all 17 regions; one account in ten has deletions to wait for (three steps).
      cleanAccount: (state) => {
        const id = (state.account as { accountId: string }).accountId;
        const step = (steps.get(id) ?? 0) + 1;
        steps.set(id, step);
        return {
          done: Number(id) % 10 !== 0 || step === 3,
          waitSeconds: 15,
          regions: DEFAULT_REGIONS.length,
        };
      },
      finishRun: () => ({ status: "SUCCEEDED" }),
    };
    const { runner, failures } = runnerFor(
      sandboxCleanupDefinition(localTaskArns(CLEANUP_TASKS, "us-east-1"), { maxConcurrency: 200 }),
      Object.fromEntries(
        Object.entries(CLEANUP_TASK_STATES).map(([state, task]) => [state, byTask[task] as never]),
      ),
      CLEANUP_WAIT_STATES,
      objects,
    );

    const { executionArn } = await runner.start("sandbox-cleanup", "run-limit", {});
    const status = await runner.wait(executionArn);
    const history = runner.history(executionArn);

    expect({ status, failures }).toEqual({ status: "SUCCEEDED", failures: [] });
    // The Distributed Map's iterations are child executions: the parent's history does not grow with accounts.
    expect(history?.children).toBe(500);
    expect(history?.events).toBeLessThan(40);
    expect(history?.largestChild).toBeLessThan(60);
    // The 500 accounts (about 25 KB) travel in the items object, never in a state.
    expect(history?.largestState).toBeLessThan(2_000);
    expect([...steps.values()].reduce((n, s) => n + s, 0)).toBe(450 + 50 * 3);
  }, 120_000);

  it("fails an execution whose inline Map writes more than 25,000 events into its history (the limit the fan-out engine avoids)", async () => {
    const arns = localTaskArns(["item"] as const, "us-east-1");
    const { runner, failures } = runnerFor(
      {
        StartAt: "Each",
        States: {
          Each: {
            Type: "Map",
            ItemsPath: "$.items",
            MaxConcurrency: 40,
            ItemSelector: { "item.$": "$$.Map.Item.Value" },
            ItemProcessor: {
              ProcessorConfig: { Mode: "INLINE" },
              StartAt: "Item",
              States: { Item: lambdaTask(arns.item, { resultPath: null }) },
            },
            ResultPath: null,
            End: true,
          },
        },
      },
      { Item: () => ({}) },
    );

    // Each iteration writes 7 events into the parent: 3,600 of them pass 25,000.
    const { executionArn } = await runner.start("sandbox-cleanup", "inline-wide", {
      items: Array.from({ length: 3_600 }, (_, i) => i),
    });

    expect(await runner.wait(executionArn)).toBe("FAILED");
    expect(failures[0]).toMatchObject({
      error: "States.Runtime",
      cause: expect.stringMatching(/25000 history events/),
    });
    expect(runner.history(executionArn)?.events).toBeGreaterThanOrEqual(SFN_LIMITS.historyEvents);
  }, 120_000);

  it("fails an execution whose state output passes 256 KB with States.DataLimitExceeded, which no Catch catches", async () => {
    const arns = localTaskArns(["big"] as const, "us-east-1");
    const { runner, failures } = runnerFor(
      {
        StartAt: "Big",
        States: {
          Big: lambdaTask(arns.big, { resultPath: "$.big", next: "Done", catchTo: "Caught" }),
          Caught: { Type: "Pass", End: true },
          Done: { Type: "Succeed" },
        },
      },
      { Big: () => ({ blob: "x".repeat(SFN_LIMITS.payloadBytes) }) },
    );

    const { executionArn } = await runner.start("sandbox-cleanup", "too-big", {});

    expect(await runner.wait(executionArn)).toBe("FAILED");
    expect(failures[0]).toMatchObject({ error: "States.DataLimitExceeded" });
  });

  it("refuses to start an execution whose input passes 256 KB", async () => {
    const { runner } = runnerFor({ StartAt: "Done", States: { Done: { Type: "Succeed" } } }, {});

    await expect(
      runner.start("sandbox-cleanup", "big-input", { blob: "x".repeat(SFN_LIMITS.payloadBytes) }),
    ).rejects.toThrow(/DataLimitExceeded/);
  });

  it("holds an inline Map to 40 iterations at once, as AWS does, whatever its MaxConcurrency says", async () => {
    const arns = localTaskArns(["item"] as const, "us-east-1");
    let running = 0;
    let most = 0;
    const { runner, failures } = runnerFor(
      {
        StartAt: "Each",
        States: {
          Each: {
            Type: "Map",
            ItemsPath: "$.items",
            MaxConcurrency: 0,
            ItemSelector: { "item.$": "$$.Map.Item.Value" },
            ItemProcessor: {
              ProcessorConfig: { Mode: "INLINE" },
              StartAt: "Item",
              States: { Item: lambdaTask(arns.item, { resultPath: "$.done" }) },
            },
            ResultPath: null,
            End: true,
          },
        },
      },
      {
        Item: async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 20));
          running -= 1;
          return {};
        },
      },
    );

    const { executionArn } = await runner.start("sandbox-cleanup", "wide", {
      items: Array.from({ length: 120 }, (_, i) => i),
    });

    expect({ status: await runner.wait(executionArn), failures }).toEqual({
      status: "SUCCEEDED",
      failures: [],
    });
    expect(most).toBe(SFN_LIMITS.inlineMapConcurrency);
  });
});

describe("the local event bus, strict where EventBridge is", () => {
  it("refuses an event over 256 KB, and delivers nothing of it", async () => {
    const bus = new LocalEventBus();
    const delivered: string[] = [];
    bus.subscribe(async (event) => {
      delivered.push(event["detail-type"]);
    });

    await expect(bus.publish("Too Big", { text: "x".repeat(MAX_EVENT_BYTES) })).rejects.toThrow(
      /over EventBridge/,
    );
    await bus.publish("Small", { text: "ok" });
    await bus.drain();

    expect(delivered).toEqual(["Small"]);
  });
});
