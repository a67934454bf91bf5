import type { Logger } from "@aws-lambda-powertools/logger";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import type { CoreContext } from "@quartermaster/core/context";
import {
  MalformedRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "@quartermaster/core/errors";
import { parseStrictJson } from "@quartermaster/core/json";
import type { DeliveryOptions } from "@quartermaster/core/notify/deliver";
import { SlackWebApi } from "@quartermaster/core/notify/slack-api";
import { verifySlackSignature } from "@quartermaster/core/notify/slack-signature";
import {
  acknowledgeVendCommand,
  runSlackJob,
  SLACK_WORK_REQUESTED,
  type SlackDeps,
  type SlackJob,
  SlackJobSchema,
} from "@quartermaster/core/vending/slack";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { makeApiHandler, type Route } from "./api";
import { SlackEnvSchema } from "./env";
import { json, MAX_BODY_BYTES } from "./http";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext } from "./runtime";
import { secretFromSst } from "./slack-secret";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = { eventBridge: EventBridgeClient };

/** The Slack app's secrets and Web API base: SST secrets in AWS, environment variables locally. */
export interface SlackSecrets {
  signingSecret: () => Promise<string | undefined>;
  botToken: () => Promise<string | undefined>;
  apiUrl?: string;
  delivery?: DeliveryOptions;
}

/** The route keys Slack calls; the only ones without IAM in the deployed API (Slack signs them instead). */
export const SLACK_ROUTE_KEYS = ["POST /slack/interactions", "POST /slack/commands"] as const;

/** The raw form body exactly as Slack sent it (API Gateway may base64 it), checked before anything reads it. */
function rawForm(event: APIGatewayProxyEventV2): string {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, "base64").toString("utf8")
      : event.body
    : "";
  if (Buffer.byteLength(raw, "utf8") > MAX_BODY_BYTES)
    throw new PayloadTooLargeError(`The body must be at most ${MAX_BODY_BYTES} bytes`);
  return raw;
}

/**
 * Verifies Slack's signature over the raw body (401 otherwise, before anything else is read), then
 * parses the form. The content type is checked after the signature, so an unsigned probe learns nothing.
 */
async function verifiedForm(
  event: APIGatewayProxyEventV2,
  secrets: Pick<SlackSecrets, "signingSecret">,
): Promise<URLSearchParams> {
  const rawBody = rawForm(event);
  verifySlackSignature({ headers: event.headers ?? {}, rawBody }, await secrets.signingSecret());
  const type = event.headers?.["content-type"] ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type.trim()))
    throw new UnsupportedMediaTypeError("Slack requests are application/x-www-form-urlencoded");
  return new URLSearchParams(rawBody);
}

function slackDeps(secrets: Omit<SlackSecrets, "signingSecret">): SlackDeps {
  let web: Promise<SlackWebApi | undefined> | undefined;
  return {
    delivery: secrets.delivery,
    web: () => {
      web ??= secrets
        .botToken()
        .then((token) =>
          token ? new SlackWebApi({ token, baseUrl: secrets.apiUrl, delivery: secrets.delivery }) : undefined,
        );
      return web;
    },
  };
}

/**
 * The two Slack routes, for the deployed Slack function and for local mode's server. Each verifies
 * Slack's signature, hands the work to the Slack worker (the `Slack Work Requested` event) and answers
 * at once, before any look-up: Slack gives up after 3 seconds. The outcome follows at `response_url`.
 */
export function slackRoutes(
  secrets: Pick<SlackSecrets, "signingSecret">,
): Record<(typeof SLACK_ROUTE_KEYS)[number], Route> {
  const handOn = (ctx: CoreContext, job: SlackJob) => ctx.events.publish(SLACK_WORK_REQUESTED, job);
  return {
    "POST /slack/interactions": async (ctx: CoreContext, event) => {
      const form = await verifiedForm(event, secrets);
      const payload = form.get("payload");
      if (payload === null) throw new MalformedRequestError("The interaction has no payload field");
      await handOn(ctx, { kind: "interaction", payload: parseStrictJson(payload) });
      // Slack only needs the acknowledgement; the outcome goes to the payload's response_url.
      return { statusCode: 200, body: "" };
    },
    "POST /slack/commands": async (ctx: CoreContext, event) => {
      const form = await verifiedForm(event, secrets);
      const text = form.get("text") ?? undefined;
      const { answer, work } = acknowledgeVendCommand(text);
      if (work)
        await handOn(ctx, {
          kind: "command",
          form: {
            command: form.get("command") ?? undefined,
            text,
            user_id: form.get("user_id") ?? undefined,
            response_url: form.get("response_url") ?? undefined,
          },
        });
      return json(200, answer);
    },
  };
}

/** What the Slack worker does with each `Slack Work Requested` event: the job, with the bot token for `users.info`. */
export function makeSlackWorker(source: ContextSource, secrets: Omit<SlackSecrets, "signingSecret">) {
  const deps = slackDeps(secrets);
  return withBase<{ detail?: unknown }, void>(source, async (event, ctx) => {
    const job = SlackJobSchema.safeParse(event.detail);
    if (!job.success) {
      // Redelivery would not change it: logged (without the payload, which holds a response_url) and dropped.
      ctx.logger.error("Slack work ignored: not a Slack job", { issues: job.error.issues.length });
      return;
    }
    await runSlackJob(ctx, deps, job.data);
  });
}

/** The deployed Slack worker's Slack: the bot token is the SST secret bound to it, read on first use. */
export function deployedSlackWebApi(logger: () => Pick<Logger, "warn">): Omit<SlackSecrets, "signingSecret"> {
  return {
    botToken: secretFromSst("SLACK_BOT_TOKEN", logger),
    apiUrl: process.env.SLACK_API_URL || undefined,
  };
}

const source = lambdaContext(SlackEnvSchema, CLIENTS);

// The routes' function is bound to the signing secret only (the worker holds the bot token).
export const handler = makeApiHandler(source, {
  routes: slackRoutes({ signingSecret: secretFromSst("SLACK_SIGNING_SECRET", () => source().logger) }),
});
