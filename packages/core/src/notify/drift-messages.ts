import type { DriftDetected } from "../events/drift";
import { escapeMrkdwn } from "./approval-messages";
import type { SlackMessage } from "./messages";

const section = (markdown: string) => ({ type: "section", text: { type: "mrkdwn", text: markdown } });
const header = (text: string) => ({ type: "header", text: { type: "plain_text", text: text.slice(0, 150) } });

/**
 * `Drift Detected`: what someone reading it at 9 in the morning acts on. The counts, the first
 * drifted accounts with what drifted, the baseline's changes, and the two commands: the report and
 * the repair. Never the whole list (the report has it, paged).
 */
export function driftDetectedMessage(e: DriftDetected): SlackMessage {
  const lines = e.accounts.map(
    (a) =>
      `• ${escapeMrkdwn(a.accountName)} (\`${a.accountId}\`): ${a.kinds.join(", ")} (${a.findings} finding${a.findings === 1 ? "" : "s"})`,
  );
  const more = e.drifted - e.accounts.length;
  if (more > 0) lines.push(`…and ${more} more in the report`);
  const baseline =
    e.baselineChanges > 0
      ? `*Baseline:* ${e.baselineChanges} change(s) from the applied document: review plan \`${e.baselinePlanId ?? ""}\` and apply it (\`qm baseline apply ${e.baselinePlanId ?? "PLAN"}\`)`
      : undefined;
  return {
    text: `Drift found: ${e.drifted} of ${e.checked} vended account(s) differ from their request${e.baselineChanges > 0 ? `; the baseline has ${e.baselineChanges} change(s)` : ""}. Report: qm drift status ${e.checkId}`,
    blocks: [
      header(`Drift found in ${e.drifted} account(s)`),
      ...(lines.length ? [section(`*Drifted accounts*\n${lines.join("\n")}`)] : []),
      section(
        [
          `*Check:* \`${e.checkId}\` (${e.checked} checked, ${e.drifted} drifted, ${e.excluded} excluded)`,
          ...(baseline ? [baseline] : []),
          `*Report:* \`qm drift status ${e.checkId}\` (${e.report})`,
          ...(e.drifted > 0 ? [`*Repair:* \`qm drift repair ${e.checkId}\``] : []),
        ].join("\n"),
      ),
    ],
  };
}
