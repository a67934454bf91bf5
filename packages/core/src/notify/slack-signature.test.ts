import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { UnauthorizedError } from "../errors";
import { verifySlackSignature } from "./slack-signature";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const NOW = Date.parse("2026-11-26T12:00:00Z");
const body = "payload=%7B%22type%22%3A%22block_actions%22%7D";

/** Signs as Slack does: v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)). */
function signed(timestamp: number, raw = body, secret = SECRET) {
  const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${raw}`).digest("hex")}`;
  return { "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature };
}

const now = Math.floor(NOW / 1000);

describe("verifySlackSignature", () => {
  it("accepts a request signed by Slack within the window", () => {
    expect(() =>
      verifySlackSignature({ headers: signed(now - 10), rawBody: body }, SECRET, NOW),
    ).not.toThrow();
    expect(() =>
      verifySlackSignature({ headers: signed(now + 60), rawBody: body }, SECRET, NOW),
    ).not.toThrow();
  });

  it.each([
    ["another secret", { headers: signed(now, body, "not-the-secret"), rawBody: body }],
    ["a changed body", { headers: signed(now), rawBody: `${body}x` }],
    ["no signature", { headers: { "x-slack-request-timestamp": String(now) }, rawBody: body }],
    ["no timestamp", { headers: { "x-slack-signature": signed(now)["x-slack-signature"] }, rawBody: body }],
    [
      "a v1 signature",
      { headers: { ...signed(now), "x-slack-signature": `v1=${"a".repeat(64)}` }, rawBody: body },
    ],
    ["a timestamp 6 minutes old", { headers: signed(now - 360), rawBody: body }],
    ["a timestamp 6 minutes ahead", { headers: signed(now + 360), rawBody: body }],
    [
      "a timestamp that is not a number",
      { headers: { ...signed(now), "x-slack-request-timestamp": "soon" }, rawBody: body },
    ],
  ])("refuses %s", (_, request) => {
    expect(() => verifySlackSignature(request, SECRET, NOW)).toThrow(UnauthorizedError);
  });

  it("refuses everything while no signing secret is configured", () => {
    expect(() => verifySlackSignature({ headers: signed(now), rawBody: body }, undefined, NOW)).toThrow(
      /no signing secret/,
    );
  });

  it("never puts the secret or the signature in its message", () => {
    const headers = signed(now, body, "wrong");
    try {
      verifySlackSignature({ headers, rawBody: body }, SECRET, NOW);
      expect.unreachable();
    } catch (error) {
      const text = `${(error as Error).message} ${String((error as Error).cause)}`;
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(headers["x-slack-signature"].slice(3));
    }
  });
});
