import { QuartermasterError } from "../errors";

/** Slack answered a 4xx other than 429: retrying will not help (bad URL, revoked webhook). */
export class SlackPermanentError extends QuartermasterError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super("SLACK_PERMANENT", message);
    this.name = "SlackPermanentError";
  }
}

/** Slack kept failing (429 or 5xx) through every try. */
export class SlackUnavailableError extends QuartermasterError {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("SLACK_UNAVAILABLE", message, options);
    this.name = "SlackUnavailableError";
  }
}

/**
 * The configured webhook URL is not one Slack could have issued. The URL itself is a secret,
 * so neither this error's message nor a `cause` (a parse error would quote it) carries it.
 */
export class SlackWebhookUrlError extends QuartermasterError {
  constructor(problem: string) {
    super(
      "SLACK_WEBHOOK_URL_INVALID",
      `The Slack webhook URL is malformed: ${problem} (the URL is not shown)`,
    );
    this.name = "SlackWebhookUrlError";
  }
}

/** Checks a webhook URL without ever echoing it: an absolute http(s) URL with a host and no credentials. */
export function assertWebhookUrl(webhookUrl: string): void {
  if (!URL.canParse(webhookUrl)) throw new SlackWebhookUrlError("it is not an absolute URL");
  const url = new URL(webhookUrl);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new SlackWebhookUrlError("its scheme must be https");
  if (url.username || url.password) throw new SlackWebhookUrlError("it must not carry a user or password");
  if (!url.hostname) throw new SlackWebhookUrlError("it has no host");
}

export interface DeliveryOptions {
  maxTries: number;
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

export const defaultDelivery: DeliveryOptions = {
  maxTries: 3,
  baseDelayMs: 1000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** A network error as the cause of ours, with the webhook URL cut out of its message should it appear. */
function withoutUrl(error: unknown, webhookUrl: string): unknown {
  if (!(error instanceof Error) || !error.message.includes(webhookUrl)) return error;
  const cleaned = new Error(error.message.split(webhookUrl).join("<webhook URL>"));
  cleaned.name = error.name;
  return cleaned;
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date), capped at a minute. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(60_000, Math.max(0, seconds * 1000));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(60_000, Math.max(0, date - now));
}

/**
 * Posts a message to a Slack incoming webhook: a 429 waits for Retry-After, a 5xx backs off,
 * at most `maxTries` tries; any other 4xx is permanent. The URL is never put in an error.
 */
export async function postToSlack(
  webhookUrl: string,
  payload: unknown,
  options: DeliveryOptions = defaultDelivery,
): Promise<number> {
  assertWebhookUrl(webhookUrl);
  const doFetch = options.fetch ?? fetch;
  let lastStatus = 0;
  for (let attempt = 1; attempt <= options.maxTries; attempt++) {
    let res: Response;
    try {
      res = await doFetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
      });
    } catch (error) {
      if (attempt === options.maxTries)
        throw new SlackUnavailableError(0, "Slack could not be reached", {
          cause: withoutUrl(error, webhookUrl),
        });
      await options.sleep(options.baseDelayMs * 2 ** (attempt - 1));
      continue;
    }
    lastStatus = res.status;
    await res.text();
    if (res.ok) return attempt;
    if (res.status === 429) {
      if (attempt === options.maxTries) break;
      await options.sleep(
        retryAfterMs(res.headers.get("retry-after")) ?? options.baseDelayMs * 2 ** (attempt - 1),
      );
      continue;
    }
    if (res.status >= 500) {
      if (attempt === options.maxTries) break;
      await options.sleep(options.baseDelayMs * 2 ** (attempt - 1));
      continue;
    }
    throw new SlackPermanentError(res.status, `Slack rejected the message with ${res.status}`);
  }
  throw new SlackUnavailableError(
    lastStatus,
    `Slack answered ${lastStatus} on each of ${options.maxTries} tries`,
  );
}
