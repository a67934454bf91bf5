import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { outcomeOf } from "../../packages/core/src/cleanup/clean-account";
import { DynamoCleanupStore } from "../../packages/core/src/store/cleanup-runs/dynamo";
import type { AccountReport, RegionProgress } from "../../packages/core/src/store/cleanup-runs/record";
import { TEST_REGION, TEST_TABLE } from "../support/aws-env";
import { unique } from "../support/plane";

const store = new DynamoCleanupStore({
  client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: TEST_REGION })),
  tableName: TEST_TABLE,
});

async function newRun() {
  const runId = unique("run-store");
  await store.createRun({
    runId,
    status: "RUNNING",
    dryRun: false,
    trigger: "api",
    refused: [],
    accounts: [],
    attempts: 1,
    startedAt: new Date().toISOString(),
  });
  return runId;
}

const progress = (region: string, done: boolean): RegionProgress => ({
  region,
  deleted: done ? ["gone"] : [],
  skipped: [],
  failed: [],
  pending: [],
  inFlight: done ? [] : [{ stack: "slow", forced: false }],
  dependents: {},
  settling: false,
  done,
  startedAt: "2026-12-05T00:00:00Z",
  deadline: "2026-12-05T01:00:00Z",
});

describe("DynamoCleanupStore against the emulator", () => {
  it("serves a run in pages of accounts (each with its regions) and refusals, with the counts whole on every page", async () => {
    const runId = await newRun();
    const refused = ["000000000003", "000000000001", "000000000002"].map((accountId) => ({
      accountId,
      name: accountId,
      reason: "SUSPENDED",
    }));
    const planned = Array.from({ length: 5 }, (_, i) => ({
      accountId: String(600000000000 + i),
      name: `sb-${i}`,
    }));
    await store.recordPlan(runId, { accounts: planned, refused });
    for (let i = 0; i < 5; i++) {
      const accountId = String(600000000000 + i);
      // Regions under way are items of their own; the page folds them into their account's report.
      await store.putRegionProgress(runId, accountId, progress("eu-west-1", true));
      const report: AccountReport = {
        accountId,
        name: `sb-${i}`,
        regions: [{ region: "us-east-1", deleted: [], skipped: [], failed: [] }],
      };
      await store.putAccountReport(runId, report);
      await store.finishAccount(
        runId,
        report,
        outcomeOf({
          ...report,
          regions: [...report.regions, { region: "eu-west-1", deleted: ["gone"], skipped: [], failed: [] }],
        }),
      );
    }

    const first = await store.getRunPage(runId, { limit: 2 });
    const second = await store.getRunPage(runId, { limit: 2, after: first?.next });
    const third = await store.getRunPage(runId, { limit: 2, after: second?.next });

    expect(first?.accounts.map((a) => a.accountId)).toEqual(["600000000000", "600000000001"]);
    expect(first?.accounts[0]?.regions.map((r) => [r.region, r.deleted])).toEqual([
      ["us-east-1", []],
      ["eu-west-1", ["gone"]],
    ]);
    expect(first?.refused.map((r) => r.accountId)).toEqual(["000000000001", "000000000002"]);
    expect(second?.accounts.map((a) => a.accountId)).toEqual(["600000000002", "600000000003"]);
    expect(second?.refused.map((r) => r.accountId)).toEqual(["000000000003"]);
    expect(third?.accounts.map((a) => a.accountId)).toEqual(["600000000004"]);
    expect(third?.refused).toEqual([]);
    expect(third?.next).toBeUndefined();
    for (const page of [first, second, third])
      expect(page?.summary).toEqual({
        accounts: 5,
        refused: 3,
        finished: 5,
        deleted: 5,
        skipped: 0,
        failed: 0,
        accountsFailed: 0,
      });
  });

  it("counts an account once however often it is finished, ranks the failed worst first, and forgets only them for a retry", async () => {
    const runId = await newRun();
    await store.recordPlan(runId, {
      accounts: ["700000000001", "700000000002", "700000000003"].map((accountId) => ({
        accountId,
        name: accountId,
      })),
      refused: [],
    });
    const clean: AccountReport = { accountId: "700000000001", name: "clean", regions: [] };
    const unreachable: AccountReport = {
      accountId: "700000000002",
      name: "role",
      regions: [],
      error: "AccessDenied",
    };
    const stacks: AccountReport = {
      accountId: "700000000003",
      name: "stacks",
      regions: [
        { region: "us-east-1", deleted: [], skipped: [], failed: [{ stack: "db", reason: "DELETE_FAILED" }] },
      ],
    };
    for (const report of [clean, unreachable, stacks]) await store.putAccountReport(runId, report);
    await store.putRegionProgress(runId, stacks.accountId, progress("eu-west-1", false));

    const counted = [];
    for (const report of [clean, unreachable, stacks, clean, unreachable])
      counted.push(await store.finishAccount(runId, report, outcomeOf(report)));

    expect(counted).toEqual([true, true, true, false, false]);
    // Planned again (a retried StartRun): the accounts keep their reports and their finish.
    await store.recordPlan(runId, {
      accounts: ["700000000001", "700000000002", "700000000003"].map((accountId) => ({
        accountId,
        name: accountId,
      })),
      refused: [],
    });
    expect((await store.getAccountProgress(runId, clean.accountId)).finished).toBe(true);
    expect((await store.getRunPage(runId, { limit: 0 }))?.summary).toMatchObject({
      finished: 3,
      failed: 1,
      accountsFailed: 1,
    });
    const failed = await store.failedAccounts(runId, 10);
    expect(failed.worst.map((f) => f.accountId)).toEqual(["700000000002", "700000000003"]);
    expect(failed.total).toBe(2);

    expect(await store.resetFailedAccounts(runId)).toBe(2);
    const after = await store.getRun(runId);
    expect(after?.accounts.map((a) => a.accountId)).toEqual(["700000000001"]);
    expect(after?.summary).toMatchObject({ accounts: 3, finished: 1, failed: 0, accountsFailed: 0 });
    expect((await store.getAccountProgress(runId, stacks.accountId)).regions).toEqual([]);
    expect((await store.failedAccounts(runId, 10)).total).toBe(0);
  });
});
