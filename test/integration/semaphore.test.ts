import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { DynamoSemaphore } from "../../packages/core/src/store/semaphore";
import { TEST_REGION, TEST_TABLE } from "../support/aws-env";
import { unique } from "../support/plane";

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: TEST_REGION }));
const semaphore = (leaseMs = 60_000) =>
  new DynamoSemaphore({ client, tableName: TEST_TABLE, name: unique("slots"), limit: 5, leaseMs });

describe("DynamoSemaphore against the emulator", () => {
  it("admits five holders, refuses a sixth, and admits it once a slot is released", async () => {
    const slots = semaphore();
    const now = new Date();

    const first = await Promise.all(["a", "b", "c", "d", "e"].map((h) => slots.acquire(h, now)));
    const sixth = await slots.acquire("f", now);
    await slots.release("c");
    const afterRelease = await slots.acquire("f", now);

    expect(first).toEqual([true, true, true, true, true]);
    expect(sixth).toBe(false);
    expect(afterRelease).toBe(true);
    expect(await slots.acquire("g", now)).toBe(false);
  });

  it("is idempotent: a holder acquiring again keeps its one slot, releasing twice is harmless", async () => {
    const slots = semaphore();
    const now = new Date();

    for (const h of ["a", "a", "b", "c", "d"]) await slots.acquire(h, now);
    await slots.release("b");
    await slots.release("b");

    expect(await slots.acquire("e", now)).toBe(true);
    expect(await slots.acquire("f", now)).toBe(true);
    expect(await slots.acquire("g", now)).toBe(false);
  });

  it("reclaims the slots of holders whose lease ran out", async () => {
    const slots = semaphore(1000);
    const then = new Date(Date.now() - 10_000);
    for (const h of ["a", "b", "c", "d", "e"]) await slots.acquire(h, then);

    expect(await slots.acquire("late", new Date())).toBe(true);
  });
});
