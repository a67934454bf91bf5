import type { AccountClosed, ClosureFailed, ClosureWaiting, LeaseEnding } from "../events/closures";
import { escapeMrkdwn } from "./approval-messages";
import type { SlackMessage } from "./messages";

const section = (markdown: string) => ({ type: "section", text: { type: "mrkdwn", text: markdown } });
const header = (text: string) => ({ type: "header", text: { type: "plain_text", text: text.slice(0, 150) } });
const account = (e: { accountName: string; accountId: string }) =>
  `${escapeMrkdwn(e.accountName)} (\`${e.accountId}\`)`;

export function leaseEndingMessage(e: LeaseEnding): SlackMessage {
  return {
    text: `Lease ending: account ${e.accountName} (${e.accountId}) is cleaned and closed at ${e.expiresAt}. Extend: qm lease ${e.requestId} --hours N`,
    blocks: [
      header(`Lease ending: ${e.accountName}`),
      section(
        [
          `*Account:* ${account(e)}`,
          `*Ends:* ${e.expiresAt}: its stacks are deleted, the account is closed and parked`,
          ...(e.requester ? [`*Requested by:* ${escapeMrkdwn(e.requester)}`] : []),
          `*Extend:* \`qm lease ${e.requestId} --extend HOURS\``,
        ].join("\n"),
      ),
    ],
  };
}

export function accountClosedMessage(e: AccountClosed): SlackMessage {
  const remaining = e.remaining.length
    ? `\n*Left in the account:* ${e.remaining.map((r) => `${escapeMrkdwn(r.stack)} (${r.region}: ${escapeMrkdwn(r.reason)})`).join(", ")}`
    : "";
  return {
    text: `Account closed: ${e.accountName} (${e.accountId}), moved to ${e.closedOuPath}${e.trigger === "lease" ? " (its lease ended)" : e.reason ? ` (${e.reason})` : ""}.`,
    blocks: [
      header(`Account closed: ${e.accountName}`),
      section(
        `*Account:* ${account(e)}\n*Why:* ${e.trigger === "lease" ? "its lease ended" : `closed on request${e.reason ? `: ${escapeMrkdwn(e.reason)}` : ""}`}\n*Now in:* ${escapeMrkdwn(e.closedOuPath)} (SUSPENDED; AWS can reinstate it within 90 days)${remaining}\n*Closure:* \`${e.closureId}\``,
      ),
    ],
  };
}

export function closureWaitingMessage(e: ClosureWaiting): SlackMessage {
  return {
    text: `Closure waiting: ${e.accountName} (${e.accountId}) could not be closed yet (${e.reason}); trying again at ${e.retryAt}.`,
    blocks: [
      header(`Closure waiting on AWS's quota: ${e.accountName}`),
      section(
        `*Account:* ${account(e)}\n*Why:* ${escapeMrkdwn(e.reason)}\n*Next try:* ${e.retryAt} (nothing to do: the closure waits, it has not failed)\n*Closure:* \`${e.closureId}\``,
      ),
    ],
  };
}

export function closureFailedMessage(e: ClosureFailed): SlackMessage {
  return {
    text: `Closure failed: ${e.accountName} (${e.accountId}) at ${e.step}: ${e.code}: ${e.message}`,
    blocks: [
      header(`Closure failed: ${e.accountName}`),
      section(
        `*Account:* ${account(e)}\n*Step:* ${e.step}\n*Error:* ${escapeMrkdwn(`${e.code}: ${e.message}`)}\n*See:* \`qm close status ${e.closureId}\``,
      ),
    ],
  };
}
