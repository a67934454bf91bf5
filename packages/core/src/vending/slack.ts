import * as z from "zod";
import type { DecisionAction } from "../approvals/decide";
import { assertNever } from "../assert-never";
import type { CoreContext } from "../context";
import type { SlackAnswer } from "../contract";
import { QuartermasterError, ValidationError } from "../errors";
import { APPROVE_ACTION, DENY_ACTION, decisionMessage } from "../notify/approval-messages";
import { type DeliveryOptions, postToSlack } from "../notify/deliver";
import type { SlackMessage } from "../notify/messages";
import type { SlackWebApi } from "../notify/slack-api";
import { decideRequest } from "./decide";
import { parseVendCommand } from "./flags";
import { type SubmitContext, submitVendRequest } from "./submit";

type Ctx = SubmitContext & Pick<CoreContext, "claims">;

/** What the Slack routes need besides the core context; the secrets behind them are never logged. */
export interface SlackDeps {
  /** The Web API client (bot token inside), or undefined when no token is configured. */
  web: () => Promise<SlackWebApi | undefined>;
  delivery?: DeliveryOptions;
}

/** The part of a `block_actions` payload Quartermaster reads. */
const BlockActionsSchema = z.looseObject({
  type: z.literal("block_actions"),
  user: z.looseObject({ id: z.string().min(1) }),
  response_url: z.string().min(1).optional(),
  actions: z.array(
    z.looseObject({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() }),
  ),
});

const ACTIONS: Record<string, DecisionAction> = { [APPROVE_ACTION]: "approve", [DENY_ACTION]: "reject" };

const answer = (text: string): SlackAnswer => ({ response_type: "ephemeral", text });

/** An ephemeral note to the person who clicked, leaving the approval message as it is. */
const note = (text: string) => ({ response_type: "ephemeral", replace_original: false, text });

async function respond(ctx: Ctx, deps: SlackDeps, url: string | undefined, body: object): Promise<void> {
  if (!url) return;
  try {
    await postToSlack(url, body, deps.delivery);
  } catch (error) {
    // The decision stands; only Slack's view of it is stale. The URL is not logged (it is a credential).
    ctx.logger.error("Could not answer through Slack's response_url", { error });
  }
}

async function slackEmail(deps: SlackDeps, userId: string): Promise<string> {
  const web = await deps.web();
  if (!web)
    throw new QuartermasterError(
      "SLACK_NOT_CONFIGURED",
      "Quartermaster has no Slack bot token, so it cannot tell who you are",
    );
  return web.userEmail(userId);
}

/**
 * A verified interaction (`POST /slack/interactions`): Approve or Deny from the approval message.
 * The clicking user is resolved to an email with `users.info`, then decided for like any approver.
 * The outcome goes back through the payload's `response_url`: the message is replaced once decided;
 * a refusal ("not an approver", "already approved") is an ephemeral note. A repeat of the same click
 * (Slack's retries) is claimed once and changes nothing.
 */
export async function handleInteraction(ctx: Ctx, deps: SlackDeps, payload: unknown): Promise<void> {
  const parsed = BlockActionsSchema.safeParse(payload);
  if (!parsed.success) {
    ctx.logger.info("Slack interaction ignored: not an approval button", {
      type: (payload as { type?: unknown } | null)?.type,
    });
    return;
  }
  const { user, actions } = parsed.data;
  const responseUrl = parsed.data.response_url;
  const action = actions.find((a) => a.action_id in ACTIONS);
  if (!action?.value) return;
  const claim = `slack-action:${user.id}:${action.action_id}:${action.value}:${action.action_ts ?? "-"}`;
  if (!(await ctx.claims.claimEvent(claim))) {
    ctx.logger.info("Repeated Slack interaction skipped", { requestId: action.value, slackUser: user.id });
    return;
  }
  const decision = ACTIONS[action.action_id] as DecisionAction;
  let email: string;
  try {
    email = await slackEmail(deps, user.id);
  } catch (error) {
    ctx.logger.error("Could not resolve the Slack user to an email", { slackUser: user.id, error });
    await respond(ctx, deps, responseUrl, note(`Nothing was decided: ${(error as Error).message}.`));
    return;
  }
  try {
    const record = await decideRequest(ctx, {
      requestId: action.value,
      action: decision,
      by: email,
      reason: decision === "reject" ? "Denied in Slack" : undefined,
      via: "slack",
    });
    const approval = record.approval;
    const message: SlackMessage = decisionMessage({
      requestId: record.requestId,
      accountName: record.request.name,
      decision: approval?.decision ?? (decision === "approve" ? "APPROVED" : "REJECTED"),
      by: approval?.by ?? email,
      reason: approval?.reason,
      via: "slack",
    });
    await respond(ctx, deps, responseUrl, { replace_original: true, ...message });
  } catch (error) {
    if (!(error instanceof QuartermasterError) || error.code === "AWS_TRANSIENT") {
      await ctx.claims.releaseEvent(claim);
      throw error;
    }
    await respond(ctx, deps, responseUrl, note(`Nothing was changed: ${error.message}`));
  }
}

/**
 * Work a Slack route hands on after it has answered Slack (Slack gives up after 3 seconds): a verified
 * interaction, or a verified `/vend`. It travels as the `Slack Work Requested` event on the project's
 * bus to the Slack worker, which does the look-ups and posts the outcome to the `response_url`.
 */
export const SLACK_WORK_REQUESTED = "Slack Work Requested";

export const SlackJobSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("interaction"), payload: z.unknown() }),
  z.object({
    kind: z.literal("command"),
    form: z.object({
      command: z.string().max(100).optional(),
      text: z.string().max(4000).optional(),
      user_id: z.string().max(100).optional(),
      response_url: z.string().max(2000).optional(),
    }),
  }),
]);
export type SlackJob = z.infer<typeof SlackJobSchema>;

/**
 * The Slack worker: does a job the Slack route acknowledged. An interaction posts its own outcome;
 * a `/vend`'s answer (the request id and status, or every validation error) goes to its response_url.
 */
export async function runSlackJob(ctx: Ctx, deps: SlackDeps, job: SlackJob): Promise<void> {
  switch (job.kind) {
    case "interaction":
      return handleInteraction(ctx, deps, job.payload);
    case "command": {
      const { response_url: responseUrl, ...form } = job.form;
      let outcome: SlackAnswer;
      try {
        outcome = await handleVendCommand(ctx, deps, form);
      } catch (error) {
        // A transient failure: the person hears of it, and the job is retried (a repeat converges).
        await respond(
          ctx,
          deps,
          responseUrl,
          answer("Quartermaster could not take the request yet; trying again."),
        );
        throw error;
      }
      return respond(ctx, deps, responseUrl, outcome);
    }
    default:
      return assertNever(job);
  }
}

/** What `/vend` answers at once, before any look-up: the usage for help, else that the request is being taken. */
export function acknowledgeVendCommand(text: string | undefined): { answer: SlackAnswer; work: boolean } {
  const trimmed = (text ?? "").trim();
  if (trimmed === "" || trimmed === "help" || trimmed === "--help")
    return { answer: answer(VEND_USAGE), work: false };
  return {
    answer: answer("Taking your /vend request: its id and status follow here in a moment."),
    work: true,
  };
}

export const VEND_USAGE =
  "Usage: /vend --name N --email E [--ou PATH] [--access GROUP=PS1,PS2]... [--budget USD] [--tag k=v]... [--lease-hours H]";

function listIssues(title: string, issues: { path: string; message: string }[]): SlackAnswer {
  return answer([title, ...issues.map((i) => `• ${i.path}: ${i.message}`), VEND_USAGE].join("\n"));
}

/**
 * A verified `/vend` (`POST /slack/commands`): the text takes `qm vend`'s flags (the same parser),
 * the requester is the Slack user's email, and the answer names the request id and its status, or
 * every validation error. Only validation and the request's record happen before the answer; the
 * account is created by the workflow.
 */
export async function handleVendCommand(
  ctx: Ctx,
  deps: SlackDeps,
  form: { command?: string; text?: string; user_id?: string },
): Promise<SlackAnswer> {
  const text = (form.text ?? "").trim();
  if (text === "" || text === "help" || text === "--help") return answer(VEND_USAGE);
  const { body, issues } = parseVendCommand(text);
  if (issues.length) return listIssues("Could not read that /vend:", issues);
  if (!form.user_id) return answer("Slack did not say who you are (no user_id); nothing was requested.");
  let requester: string;
  try {
    requester = await slackEmail(deps, form.user_id);
  } catch (error) {
    ctx.logger.error("Could not resolve the Slack user to an email", { slackUser: form.user_id, error });
    return answer(`Nothing was requested: ${(error as Error).message}.`);
  }
  try {
    const { record, created } = await submitVendRequest(ctx, { body, requester });
    const status =
      record.status === "PENDING_APPROVAL"
        ? "PENDING_APPROVAL: it waits for an approver"
        : `${record.status}: the account is being created`;
    return answer(
      `${created ? "Requested" : "Already requested"} \`${record.request.name}\`: request \`${record.requestId}\` is ${status}.\nWatch with: qm status ${record.requestId} --watch`,
    );
  } catch (error) {
    if (error instanceof ValidationError) return listIssues(`Not requested: ${error.message}`, error.details);
    if (error instanceof QuartermasterError && error.code !== "AWS_TRANSIENT")
      return answer(`Not requested: ${error.message}`);
    throw error;
  }
}
