import { startWebhook } from "@test/support/webhook";
import { afterEach, describe, expect, it } from "vitest";
import { postToSlack, retryAfterMs, SlackPermanentError, SlackUnavailableError } from "./deliver";

let hook: Awaited<ReturnType<typeof startWebhook>> | undefined;
afterEach(async () => {
  await hook?.close();
  hook = undefined;
});

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("postToSlack", () => {
  it("waits for Retry-After on a 429, then posts", async () => {
    hook = await startWebhook([{ status: 429, headers: { "retry-after": "2" } }]);
    const { waits, sleep } = recordingSleep();

    const tries = await postToSlack(hook.url, { text: "hi" }, { maxTries: 3, baseDelayMs: 10, sleep });

    expect(tries).toBe(2);
    expect(waits).toEqual([2000]);
    expect(hook.posts).toHaveLength(2);
  });

  it("backs off on 5xx and gives up after three tries", async () => {
    hook = await startWebhook([{ status: 500 }, { status: 503 }, { status: 500 }]);
    const { waits, sleep } = recordingSleep();

    const attempt = postToSlack(hook.url, { text: "hi" }, { maxTries: 3, baseDelayMs: 100, sleep });

    await expect(attempt).rejects.toBeInstanceOf(SlackUnavailableError);
    expect(waits).toEqual([100, 200]);
    expect(hook.posts).toHaveLength(3);
  });

  it("treats any other 4xx as permanent without retrying, and keeps the URL out of the error", async () => {
    hook = await startWebhook([{ status: 404 }]);
    const { sleep } = recordingSleep();

    const attempt = postToSlack(hook.url, { text: "hi" }, { maxTries: 3, baseDelayMs: 10, sleep });

    await expect(attempt).rejects.toBeInstanceOf(SlackPermanentError);
    await expect(attempt).rejects.not.toThrow(/services/);
    expect(hook.posts).toHaveLength(1);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds and HTTP dates, capped at a minute", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs("600")).toBe(60_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 5_000)).toBe(5_000);
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
