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
