import type { Logger } from "@aws-lambda-powertools/logger";
import { handleInteraction, handleVendCommand, type SlackDeps } from "@quartermaster/core/approvals/slack";
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
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { makeApiHandler, type Route } from "./api";
import { SlackEnvSchema } from "./env";
import { json, MAX_BODY_BYTES } from "./http";
import { REQUEST_CLIENTS } from "./request-clients";
import { lambdaContext } from "./runtime";
import { secretFromSst } from "./slack-secret";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = REQUEST_CLIENTS;

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
async function verifiedForm(event: APIGatewayProxyEventV2, secrets: SlackSecrets): Promise<URLSearchParams> {
  const rawBody = rawForm(event);
  verifySlackSignature({ headers: event.headers ?? {}, rawBody }, await secrets.signingSecret());
  const type = event.headers?.["content-type"] ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type.trim()))
    throw new UnsupportedMediaTypeError("Slack requests are application/x-www-form-urlencoded");
  return new URLSearchParams(rawBody);
}

function slackDeps(secrets: SlackSecrets): SlackDeps {
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

/** The two Slack routes, for the deployed Slack function and for local mode's server. */
export function slackRoutes(secrets: SlackSecrets): Record<(typeof SLACK_ROUTE_KEYS)[number], Route> {
  const deps = slackDeps(secrets);
  return {
    "POST /slack/interactions": async (ctx: CoreContext, event) => {
      const form = await verifiedForm(event, secrets);
      const payload = form.get("payload");
      if (payload === null) throw new MalformedRequestError("The interaction has no payload field");
      await handleInteraction(ctx, deps, parseStrictJson(payload));
      // Slack only needs the acknowledgement; the outcome went to the payload's response_url.
      return { statusCode: 200, body: "" };
    },
    "POST /slack/commands": async (ctx: CoreContext, event) => {
      const form = await verifiedForm(event, secrets);
      const answer = await handleVendCommand(ctx, deps, {
        command: form.get("command") ?? undefined,
        text: form.get("text") ?? undefined,
        user_id: form.get("user_id") ?? undefined,
      });
      return json(200, answer);
    },
  };
}

/** The deployed Slack function: its secrets are the SST secrets bound to it, read on first use. */
export function deployedSlackSecrets(logger: () => Pick<Logger, "warn">): SlackSecrets {
  return {
    signingSecret: secretFromSst("SLACK_SIGNING_SECRET", logger),
    botToken: secretFromSst("SLACK_BOT_TOKEN", logger),
    apiUrl: process.env.SLACK_API_URL || undefined,
  };
}

const source = lambdaContext(SlackEnvSchema, CLIENTS);

export const handler = makeApiHandler(source, {
  routes: slackRoutes(deployedSlackSecrets(() => source().logger)),
});
