import { QuartermasterError } from "../errors";
import { type DeliveryOptions, defaultDelivery, retryAfterMs } from "./deliver";

/** Slack's Web API base when none is configured. */
export const DEFAULT_SLACK_API_URL = "https://slack.com/api/";

/** Slack's Web API refused or failed a call; the token is never part of the message. */
export class SlackApiError extends QuartermasterError {
  constructor(
    readonly method: string,
    readonly slackError: string,
    options?: { cause?: unknown },
  ) {
    super("SLACK_API_FAILED", `Slack ${method} failed: ${slackError}`, options);
    this.name = "SlackApiError";
  }
}

export interface SlackWebApiOptions {
  /** A bot token (`xoxb-...`) with `users:read` and `users:read.email`; never logged. */
  token: string;
  /** The Web API base, `https://slack.com/api/` unless a stand-in is configured. */
  baseUrl?: string;
  delivery?: DeliveryOptions;
}

/** The few Slack Web API methods Quartermaster calls, over plain HTTP. */
export class SlackWebApi {
  private readonly base: string;

  constructor(private readonly options: SlackWebApiOptions) {
    const base = options.baseUrl || DEFAULT_SLACK_API_URL;
    this.base = base.endsWith("/") ? base : `${base}/`;
  }

  /** Calls a Web API method (form-encoded), waiting out 429s and backing off on 5xx. */
  private async call(method: string, args: Record<string, string>): Promise<Record<string, unknown>> {
    const delivery = this.options.delivery ?? defaultDelivery;
    const doFetch = delivery.fetch ?? fetch;
    let last = "no answer";
    for (let attempt = 1; attempt <= delivery.maxTries; attempt++) {
      let res: Response;
      try {
        res = await doFetch(new URL(method, this.base), {
          method: "POST",
          headers: {
            authorization: `Bearer ${this.options.token}`,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams(args).toString(),
        });
      } catch (error) {
        last = "unreachable";
        if (attempt === delivery.maxTries) throw new SlackApiError(method, last, { cause: error });
        await delivery.sleep(delivery.baseDelayMs * 2 ** (attempt - 1));
        continue;
      }
      const text = await res.text();
      if (res.status === 429 || res.status >= 500) {
        last = `HTTP ${res.status}`;
        if (attempt === delivery.maxTries) break;
        await delivery.sleep(
          (res.status === 429 ? retryAfterMs(res.headers.get("retry-after")) : undefined) ??
            delivery.baseDelayMs * 2 ** (attempt - 1),
        );
        continue;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch (error) {
        throw new SlackApiError(method, `HTTP ${res.status} without a JSON answer`, { cause: error });
      }
      if (body.ok !== true) throw new SlackApiError(method, String(body.error ?? `HTTP ${res.status}`));
      return body;
    }
    throw new SlackApiError(method, last);
  }

  /** The profile email of a Slack user (`users.info`); needs the `users:read.email` scope. */
  async userEmail(userId: string): Promise<string> {
    const body = await this.call("users.info", { user: userId });
    const user = body.user as { profile?: { email?: unknown } } | undefined;
    const email = user?.profile?.email;
    if (typeof email !== "string" || email === "")
      throw new SlackApiError("users.info", "the user has no email (is the users:read.email scope granted?)");
    return email;
  }
}
