import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";

/** What the stand-in received on one of its URLs. */
export interface SlackCall {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on Slack payload fields one by one.
  json: any;
}

/**
 * A local Slack: the Web API (`users.info`, which needs the bot token and answers the profile email
 * of the users it knows), the incoming webhook, and `response_url`s. Everything it receives is kept.
 */
export async function startSlack(options: {
  token: string;
  users: Record<string, string>;
  /** How long `users.info` takes to answer (a slow Slack), in ms. */
  usersInfoDelayMs?: number;
}) {
  const calls: SlackCall[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => {
      raw += c.toString();
    });
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://slack").pathname;
      let json: unknown;
      try {
        json = raw.startsWith("{") ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw));
      } catch {
        json = undefined;
      }
      calls.push({ path, headers: req.headers, body: raw, json });
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (path === "/api/users.info") {
        if (req.headers.authorization !== `Bearer ${options.token}`)
          return answer(200, { ok: false, error: "invalid_auth" });
        const user = new URLSearchParams(raw).get("user") ?? "";
        const email = options.users[user];
        const reply = () =>
          email
            ? answer(200, { ok: true, user: { id: user, profile: { email } } })
            : answer(200, { ok: false, error: "user_not_found" });
        if (options.usersInfoDelayMs) setTimeout(reply, options.usersInfoDelayMs);
        else reply();
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  const base = await new Promise<string>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`),
    ),
  );
  return {
    apiUrl: `${base}/api/`,
    webhookUrl: `${base}/services/T0/B0/webhook`,
    /** A fresh response_url, as Slack gives one per interaction. */
    responseUrl: (id: string) => `${base}/actions/T0/${id}/hook`,
    calls,
    to: (path: string) => calls.filter((c) => c.path === path),
    /** The first call to `path`, waiting for it up to `timeoutMs` (what Slack's routes answer after acknowledging). */
    async first(path: string, timeoutMs = 20_000): Promise<SlackCall> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = calls.find((c) => c.path === path);
        if (found) return found;
        if (Date.now() > until) throw new Error(`Slack received nothing at ${path} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Signs a body exactly as Slack does (v0, HMAC-SHA256 over `v0:<timestamp>:<body>`). */
export function slackHeaders(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex");
  return {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": `v0=${signature}`,
  };
}

/** The form body of a `block_actions` interaction: one click on a button of the approval message. */
export function buttonClick(options: {
  userId: string;
  actionId: "qm_approve" | "qm_deny";
  requestId: string;
  responseUrl: string;
  actionTs?: string;
}): string {
  const payload = {
    type: "block_actions",
    user: { id: options.userId, username: options.userId.toLowerCase(), team_id: "T0" },
    team: { id: "T0" },
    response_url: options.responseUrl,
    trigger_id: `trigger.${options.actionTs ?? "1"}`,
    actions: [
      {
        type: "button",
        block_id: "qm_decision",
        action_id: options.actionId,
        value: options.requestId,
        action_ts: options.actionTs ?? `${Date.now() / 1000}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The form body of a slash command, as Slack posts it. */
export function slashCommand(options: { userId: string; text: string; responseUrl: string }): string {
  return new URLSearchParams({
    token: "deprecated-verification-token",
    team_id: "T0",
    channel_id: "C0",
    user_id: options.userId,
    command: "/vend",
    text: options.text,
    response_url: options.responseUrl,
    trigger_id: "trigger.cmd",
  }).toString();
}
