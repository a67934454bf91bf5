import type { ApprovalRequested, RequestDecided } from "../events/approvals";
import type { SlackMessage } from "./messages";

/** The `action_id`s of the approval message's buttons; their `value` is the request id. */
export const APPROVE_ACTION = "qm_approve";
export const DENY_ACTION = "qm_deny";

const section = (markdown: string) => ({ type: "section", text: { type: "mrkdwn", text: markdown } });
const header = (text: string) => ({ type: "header", text: { type: "plain_text", text: text.slice(0, 150) } });

/** Slack's mrkdwn control characters, escaped so a name or reason cannot format or mention. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The approval message: who asked, for what, and the Approve / Deny buttons. */
export function approvalRequestMessage(event: ApprovalRequested): SlackMessage {
  const access = event.access.length
    ? event.access.map((a) => `• *${escapeMrkdwn(a.group)}*: ${a.permissionSets.join(", ")}`).join("\n")
    : "_no access requested_";
  const fields = [
    `*Requested by:* ${escapeMrkdwn(event.requester ?? "unknown")}`,
    `*Account:* ${escapeMrkdwn(event.accountName)} (${escapeMrkdwn(event.email)})`,
    `*OU:* ${escapeMrkdwn(event.ouPath)}`,
    `*Budget:* ${event.budget ? `$${event.budget.monthlyLimitUsd}/month` : "default"}`,
    `*Lease:* ${event.lease ? `ends ${event.lease.expiresAt}` : "none"}`,
    `*Approvers:* ${escapeMrkdwn(event.approvers.join(", "))}`,
    `*Expires:* ${event.expiresAt} (undecided requests expire)`,
    `*Request:* \`${event.requestId}\` (or \`qm approve ${event.requestId}\`)`,
  ];
  return {
    text: `Approval needed: account ${event.accountName} in ${event.ouPath}, requested by ${event.requester ?? "unknown"} (request ${event.requestId}). Or: qm approve ${event.requestId}`,
    blocks: [
      header(`Approval needed: ${event.accountName}`),
      section(fields.join("\n")),
      section(`*Access*\n${access}`),
      {
        type: "actions",
        block_id: "qm_decision",
        elements: [
          {
            type: "button",
            action_id: APPROVE_ACTION,
            style: "primary",
            text: { type: "plain_text", text: "Approve" },
            value: event.requestId,
          },
          {
            type: "button",
            action_id: DENY_ACTION,
            style: "danger",
            text: { type: "plain_text", text: "Deny" },
            value: event.requestId,
          },
        ],
      },
    ],
  };
}

const VERB = { APPROVED: "approved", REJECTED: "denied", EXPIRED: "expired" } as const;

/** What replaces the approval message once decided (and what a decision outside Slack posts). */
export function decisionMessage(event: RequestDecided): SlackMessage {
  const who = event.by ? ` by ${escapeMrkdwn(event.by)}` : "";
  const why = event.reason ? `\n*Reason:* ${escapeMrkdwn(event.reason)}` : "";
  const next =
    event.decision === "APPROVED"
      ? `\nThe account is being created: \`qm status ${event.requestId} --watch\``
      : "";
  return {
    text: `Request ${event.requestId} for account ${event.accountName} was ${VERB[event.decision]}${event.by ? ` by ${event.by}` : ""}.`,
    blocks: [
      header(`Account request ${VERB[event.decision]}: ${event.accountName}`),
      section(
        `Request \`${event.requestId}\` was *${VERB[event.decision]}*${who}${event.via === "expiry" ? " (nobody decided in time)" : ""}.${why}${next}`,
      ),
    ],
  };
}
