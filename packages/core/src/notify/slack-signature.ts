import { verifySlackRequest } from "@slack/bolt/dist/receivers/verify-request.js";
import { UnauthorizedError } from "../errors";

/** Slack's window: a request signed more than five minutes from now (either way) is refused. */
export const SLACK_SIGNATURE_WINDOW_SECONDS = 5 * 60;

export interface SignedRequest {
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The body exactly as received: the signature covers its bytes. */
  rawBody: string;
}

/**
 * Verifies Slack's v0 request signature (HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed with the
 * signing secret) with Bolt's `verifySlackRequest`, which compares in constant time. Bolt refuses
 * only stale timestamps; a timestamp from the future beyond the window, or one that is not a whole
 * number of seconds, is refused here first. Throws UnauthorizedError; its message never carries the
 * secret, the signature or the body.
 */
export function verifySlackSignature(
  request: SignedRequest,
  signingSecret: string | undefined,
  nowMs: number = Date.now(),
): void {
  if (!signingSecret)
    throw new UnauthorizedError("Slack requests are refused: no signing secret is configured");
  const timestamp = request.headers["x-slack-request-timestamp"] ?? "";
  const signature = request.headers["x-slack-signature"] ?? "";
  if (!/^\d{1,12}$/.test(timestamp))
    throw new UnauthorizedError("Missing or malformed X-Slack-Request-Timestamp");
  if (!/^v0=[0-9a-f]{64}$/.test(signature))
    throw new UnauthorizedError("Missing or malformed X-Slack-Signature");
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(timestamp));
  if (skew > SLACK_SIGNATURE_WINDOW_SECONDS)
    throw new UnauthorizedError("The Slack request timestamp is more than 5 minutes from now");
  try {
    verifySlackRequest({
      signingSecret,
      body: request.rawBody,
      headers: {
        "x-slack-signature": signature,
        "x-slack-request-timestamp": Number(timestamp),
      },
      nowMilliseconds: nowMs,
    });
  } catch (error) {
    throw new UnauthorizedError("The Slack signature does not match", { cause: error });
  }
}
