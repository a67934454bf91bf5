import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { DynamoRequestStore } from "../../packages/core/src/store/requests/dynamo";
import { TEST_REGION, TEST_TABLE } from "../support/aws-env";
import { unique } from "../support/plane";

const store = new DynamoRequestStore({
  client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: TEST_REGION })),
  tableName: TEST_TABLE,
});

function record(requestId: string) {
  const at = new Date().toISOString();
  return {
    requestId,
    status: "PENDING" as const,
    request: { name: "store-test", email: `aws+${requestId}@example.com`, ou: "Sandbox" },
    resolved: { ouId: "ou-1", ouPath: "Sandbox", instanceArn: "arn:ins", access: [] },
    payloadHash: "h",
    steps: {},
    attempts: [],
    createdAt: at,
    updatedAt: at,
  };
}

describe("DynamoRequestStore against the emulator", () => {
  it("keeps the last ten refused decisions and counts them all, however many are made, at once or in turn", async () => {
    const id = unique("req-refusals");
    const approval = {
      rule: { ous: ["Workloads"], approvers: ["a@example.com"] },
      expiresAt: "x",
      refused: [],
    };
    await store.create({ ...record(id), status: "PENDING_APPROVAL" as const, approval });
    const refusal = (i: number) => ({
      by: `clicker${i}@example.com`,
      at: `t${String(i).padStart(3, "0")}`,
      why: "not an approver",
    });

    for (let i = 0; i < 25; i += 1) await store.addRefusal(id, refusal(i));
    await Promise.all([25, 26, 27].map((i) => store.addRefusal(id, refusal(i))));

    const stored = await store.get(id);
    expect(stored?.approval?.refusedCount).toBe(28);
    expect(stored?.approval?.refused).toHaveLength(10);
    expect(stored?.approval?.refused.slice(0, 7).map((r) => r.by)).toEqual(
      [18, 19, 20, 21, 22, 23, 24].map((i) => `clicker${i}@example.com`),
    );
  });

  it("records a started execution and RUNNING in one write, or only the attempt over a failure recorded first", async () => {
    const started = unique("req-start");
    const failedFirst = unique("req-start-fail");
    await store.create(record(started));
    await store.create(record(failedFirst));
    await store.fail(failedFirst, { code: "ACCESS_DENIED", message: "no", step: "create" }, undefined, "t");
    const attempt = (id: string) => ({ kind: "start" as const, executionArn: `arn:exec:${id}`, at: "t" });

    const running = await store.recordStart(started, attempt(started), "t");
    const failed = await store.recordStart(failedFirst, attempt(failedFirst), "t");

    expect(running).toMatchObject({
      status: "RUNNING",
      executionArn: `arn:exec:${started}`,
      attempts: [attempt(started)],
    });
    expect(failed).toMatchObject({
      status: "FAILED",
      executionArn: `arn:exec:${failedFirst}`,
      attempts: [attempt(failedFirst)],
    });
  });

  it("marks a started request RUNNING, but never over a failure recorded first (a fast-failing execution)", async () => {
    const started = unique("req-run");
    const failedFirst = unique("req-fail");
    await store.create(record(started));
    await store.create(record(failedFirst));
    await store.fail(failedFirst, { code: "ACCESS_DENIED", message: "no", step: "create" }, undefined, "t");

    const marked = await store.markRunning(started, "t");
    const notMarked = await store.markRunning(failedFirst, "t");

    expect([marked, notMarked]).toEqual([true, false]);
    expect((await store.get(started))?.status).toBe("RUNNING");
    expect((await store.get(failedFirst))?.status).toBe("FAILED");
  });
});
