import type { SandboxCleanupCompleted } from "../events/cleanup";
import type { AccountReady, AccountVendingFailed } from "../events/vending";
import { profileName } from "../store/requests/request";

/** A Slack incoming-webhook payload: Block Kit blocks and the plain-text fallback. */
export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const section = (markdown: string) => ({ type: "section", text: { type: "mrkdwn", text: markdown } });
const header = (text: string) => ({ type: "header", text: { type: "plain_text", text: text.slice(0, 150) } });
const code = (text: string) => `\`\`\`${text}\`\`\``;

/** The AWS console page of a Step Functions execution. */
export function executionConsoleUrl(executionArn: string): string {
  const region = executionArn.split(":")[3] ?? "us-east-1";
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** The `assume` lines (granted) a user with each permission set types next. */
export function assumeLines(accountName: string, access: AccountReady["access"]): string[] {
  const sets = [...new Set(access.flatMap((a) => a.permissionSets))];
  return sets.map((ps) => `assume ${profileName(accountName)}/${ps}`);
}

/** How a user gets the profiles the `assume` lines name (docs/api.md "Profiles"). */
export const PROFILES_COMMAND = "qm profiles --write";

export function accountReadyMessage(event: AccountReady & { portalUrl?: string }): SlackMessage {
  const assume = assumeLines(event.accountName, event.access);
  const access = event.access.length
    ? event.access.map((a) => `• *${a.group}*: ${a.permissionSets.join(", ")}`).join("\n")
    : "_no access granted_";
  const budget = event.budget
    ? `$${event.budget.monthlyLimitUsd}/month, alerts at ${event.budget.thresholds.map((t) => `${t}%`).join(", ")}`
    : "default";
  const fields = [
    `*Account:* ${event.accountName} (\`${event.accountId}\`)`,
    `*OU:* ${event.ouPath}`,
    `*Requested by:* ${event.requester ?? "unknown"}`,
    `*Budget:* ${budget}`,
    ...(event.portalUrl ? [`*Access portal:* ${event.portalUrl}`] : []),
    ...(event.leaseExpiresAt
      ? [
          `*Lease ends:* ${event.leaseExpiresAt} (then the account is cleaned and closed; extend with \`qm lease ${event.requestId} --hours N\`)`,
        ]
      : []),
  ];
  return {
    text: `Account ready: ${event.accountName} (${event.accountId}) in ${event.ouPath}. Next: ${assume[0] ? `${assume[0]} (profile: ${PROFILES_COMMAND})` : "no access granted"}`,
    blocks: [
      header(`Account ready: ${event.accountName}`),
      section(fields.join("\n")),
      section(`*Access*\n${access}`),
      ...(assume.length
        ? [
            section(
              `*Next, with granted:*\n${code(assume.join("\n"))}\nNo such profile yet? \`${PROFILES_COMMAND}\` writes it (and every other account's) into ~/.aws/config.`,
            ),
          ]
        : []),
    ],
  };
}

export function vendingFailedMessage(event: AccountVendingFailed): SlackMessage {
  const console = event.executionArn ? executionConsoleUrl(event.executionArn) : undefined;
  const retry = `qm retry ${event.requestId}`;
  return {
    text: `Account vending failed: ${event.accountName} at step ${event.step}: ${event.code}: ${event.message}. Retry: ${retry}`,
    blocks: [
      header(`Account vending failed: ${event.accountName}`),
      section(
        [
          `*Request:* \`${event.requestId}\``,
          `*Failed step:* ${event.step}`,
          `*Error:* ${event.code}: ${event.message}`,
          ...(console ? [`*Execution:* <${console}|open in the console>`] : []),
        ].join("\n"),
      ),
      section(`*Fix the cause, then:*\n${code(retry)}`),
    ],
  };
}

export interface BudgetAlert {
  accountId?: string;
  budgetName: string;
  threshold?: string;
  amount?: string;
  raw: string;
}

/** Parses the text AWS Budgets sends to SNS (`Budget Name: ...`, `Alert Threshold: ...`, `ACTUAL Amount: ...`). */
export function parseBudgetAlert(message: string): BudgetAlert {
  const field = (label: RegExp) => label.exec(message)?.[1]?.trim();
  const budgetName = field(/Budget Name:\s*(.+)/i) ?? "unknown budget";
  return {
    budgetName,
    accountId: /-(\d{12})$/.exec(budgetName)?.[1],
    threshold: field(/Alert Threshold:\s*(.+)/i),
    amount: field(/(?:ACTUAL|FORECASTED) Amount:\s*(.+)/i),
    raw: message,
  };
}

export function budgetAlertMessage(alert: BudgetAlert): SlackMessage {
  const account = alert.accountId ? ` for account \`${alert.accountId}\`` : "";
  return {
    text: `Budget alert: ${alert.budgetName}${alert.threshold ? ` crossed ${alert.threshold}` : ""}${alert.amount ? ` (${alert.amount})` : ""}`,
    blocks: [
      header("Budget threshold crossed"),
      section(
        [
          `*Budget:* ${alert.budgetName}${account}`,
          ...(alert.threshold ? [`*Threshold:* ${alert.threshold}`] : []),
          ...(alert.amount ? [`*Amount:* ${alert.amount}`] : []),
        ].join("\n"),
      ),
    ],
  };
}

export function cleanupCompletedMessage(event: SandboxCleanupCompleted): SlackMessage {
  // The worst accounts, one line each: never the whole list (the report has it, paged).
  const failures = event.failures.map(
    (f) =>
      `• \`${f.accountId}\`${f.count && f.count > 1 ? ` (${f.count} failures)` : ""}${f.region ? ` ${f.region}` : ""}${f.stack ? ` ${f.stack}` : ""}: ${f.reason}`,
  );
  const withFailures = event.accountsWithFailures ?? event.failureCount;
  const more = withFailures - failures.length;
  const listed = [
    ...failures,
    ...(more > 0
      ? [`…and ${more} more ${event.accountsWithFailures === undefined ? "" : "account(s) "}in the report`]
      : []),
  ];
  const counts = [
    ...(event.accounts === undefined ? [] : [`*Accounts:* ${event.accounts}`]),
    ...(event.refused ? [`*Refused:* ${event.refused}`] : []),
    ...(event.accountsFailed ? [`*Could not be cleaned:* ${event.accountsFailed}`] : []),
  ];
  return {
    text: `Sandbox clean-up ${event.status}${event.dryRun ? " (dry run)" : ""}: ${event.failureCount} failure(s), ${event.deleted} stack(s) ${event.dryRun ? "would be " : ""}deleted, ${event.skipped} protected`,
    blocks: [
      header(`Sandbox clean-up ${event.status}${event.dryRun ? " (dry run)" : ""}`),
      // Failures first: they are what someone has to act on (the worst accounts; the report has them all).
      ...(listed.length
        ? [
            section(
              `*Failures* (${event.failureCount}${event.accountsWithFailures === undefined ? "" : ` in ${withFailures} account(s)`})\n${listed.join("\n")}`,
            ),
          ]
        : []),
      section(
        [
          `*Run:* \`${event.runId}\``,
          ...counts,
          `*${event.dryRun ? "Would delete" : "Deleted"}:* ${event.deleted}`,
          `*Protected (skipped):* ${event.skipped}`,
          `Details: \`qm cleanup status ${event.runId}\``,
        ].join("\n"),
      ),
    ],
  };
}
