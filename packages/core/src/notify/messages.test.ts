import { describe, expect, it } from "vitest";
import { accountClosedMessage } from "./closure-messages";
import {
  accountReadyMessage,
  budgetAlertMessage,
  cleanupCompletedMessage,
  parseBudgetAlert,
  vendingFailedMessage,
} from "./messages";
import { renderText } from "./notifier";

const text = (m: { blocks: { text?: { text: string } }[] }) =>
  m.blocks.map((b) => b.text?.text ?? "").join("\n");

describe("accountReadyMessage", () => {
  it("names the account, OU, requester, access, portal, budget and the assume lines", () => {
    const message = accountReadyMessage({
      requestId: "req-1",
      accountId: "123456789012",
      accountName: "payments-dev",
      email: "aws+payments-dev@example.com",
      ouPath: "Workloads/Development",
      requester: "arn:aws:sts::1:assumed-role/Admin/alice",
      access: [
        { group: "Admin", permissionSets: ["AdministratorAccess", "ReadOnlyAccess"] },
        { group: "Developers", permissionSets: ["ReadOnlyAccess"] },
      ],
      budget: { monthlyLimitUsd: 100, thresholds: [50, 80, 100] },
      portalUrl: "https://d-123.awsapps.com/start",
    });

    const body = text(message);
    expect(body).toContain("`123456789012`");
    expect(body).toContain("Workloads/Development");
    expect(body).toContain("alice");
    expect(body).toContain("*Admin*: AdministratorAccess, ReadOnlyAccess");
    expect(body).toContain("https://d-123.awsapps.com/start");
    expect(body).toContain("$100/month");
    expect(body).toContain("assume payments-dev/AdministratorAccess\nassume payments-dev/ReadOnlyAccess");
    expect(message.text).toContain("assume payments-dev/AdministratorAccess");
  });

  it("says how to get the profile next to the assume line, and not when nothing was granted", () => {
    const base = {
      requestId: "req-3",
      accountId: "123456789012",
      accountName: "payments-dev",
      email: "aws+pd@example.com",
      ouPath: "Sandbox",
    };
    const granted = accountReadyMessage({
      ...base,
      access: [{ group: "Admin", permissionSets: ["AdministratorAccess"] }],
    });
    const none = accountReadyMessage({ ...base, access: [] });

    expect(text(granted)).toMatch(
      /assume payments-dev\/AdministratorAccess`*\s+No such profile yet\? `qm profiles --write`/,
    );
    expect(granted.text).toContain("assume payments-dev/AdministratorAccess (profile: qm profiles --write)");
    expect(text(none)).not.toContain("qm profiles");
  });

  it("writes the granted profile name, spaces as dashes, in the assume line", () => {
    const message = accountReadyMessage({
      requestId: "req-2",
      accountId: "123456789012",
      accountName: "payments dev.v2",
      email: "aws+pd@example.com",
      ouPath: "Sandbox",
      access: [{ group: "Admin", permissionSets: ["AdministratorAccess"] }],
    });

    expect(text(message)).toContain("assume payments-dev.v2/AdministratorAccess");
  });
});

describe("renderText", () => {
  it("drops the bold markers but keeps a star that is part of a value", () => {
    const rendered = renderText({
      text: "x",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*Requested by:* a*b@example.com *x*" } }],
    });

    expect(rendered).toContain("Requested by: a*b@example.com x");
  });
});

describe("vendingFailedMessage", () => {
  it("shows the step, the AWS error, the console link and the retry command", () => {
    const message = vendingFailedMessage({
      requestId: "req-9",
      accountName: "x",
      step: "place",
      code: "ACCESS_DENIED",
      message: "organizations:MoveAccount: AccessDeniedException",
      executionArn: "arn:aws:states:eu-west-1:1:execution:vend-account:req-9",
    });

    const body = text(message);
    expect(body).toContain("*Failed step:* place");
    expect(body).toContain("ACCESS_DENIED: organizations:MoveAccount");
    expect(body).toContain(
      "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1",
    );
    expect(body).toContain("qm retry req-9");
  });
});

describe("budget alerts", () => {
  it("parses the AWS Budgets SNS text into account, threshold and amount", () => {
    const alert = parseBudgetAlert(
      "AWS Budget Notification\nBudget Name: quartermaster-dev-210987654321\nBudget Type: Cost\nAlert Threshold: > $80.00\nACTUAL Amount: $85.12",
    );

    expect(alert).toMatchObject({ accountId: "210987654321", threshold: "> $80.00", amount: "$85.12" });
    expect(text(budgetAlertMessage(alert))).toContain("`210987654321`");
  });
});

describe("cleanupCompletedMessage", () => {
  it("gives a large run's counts and its worst accounts, one line each, never the whole list", () => {
    const message = cleanupCompletedMessage({
      runId: "run-big",
      status: "PARTIAL",
      dryRun: false,
      accounts: 5000,
      refused: 3,
      accountsFailed: 10,
      accountsWithFailures: 60,
      deleted: 2250,
      skipped: 40,
      failureCount: 75,
      failures: [
        { accountId: "400000000001", count: 1, reason: "Could not assume the member role" },
        { accountId: "400000000002", region: "us-east-1", stack: "app-0", count: 3, reason: "DELETE_FAILED" },
      ],
      report: "/cleanup/runs/run-big",
    });

    const body = text(message);
    expect(body).toContain("*Failures* (75 in 60 account(s))");
    expect(body).toContain("• `400000000002` (3 failures) us-east-1 app-0: DELETE_FAILED");
    expect(body).toContain("…and 58 more account(s) in the report");
    expect(body).toMatch(/\*Accounts:\* 5000\n\*Refused:\* 3\n\*Could not be cleaned:\* 10/);
    expect(body.split("\n").filter((line) => line.startsWith("• "))).toHaveLength(2);
  });

  it("puts failures first", () => {
    const message = cleanupCompletedMessage({
      runId: "run-1",
      status: "PARTIAL",
      dryRun: false,
      deleted: 4,
      skipped: 2,
      failureCount: 1,
      failures: [{ accountId: "111122223333", region: "eu-west-1", stack: "db", reason: "DELETE_FAILED" }],
      report: "/cleanup/runs/run-1",
    });

    expect(message.blocks[1]?.text).toMatchObject({
      text: expect.stringMatching(/^\*Failures\* \(1\)\n• `111122223333` eu-west-1 db: DELETE_FAILED/),
    });
  });

  it("counts every failure and lists the first, pointing at the report for the rest", () => {
    const message = cleanupCompletedMessage({
      runId: "run-2",
      status: "PARTIAL",
      dryRun: false,
      deleted: 0,
      skipped: 0,
      failureCount: 4_000,
      failures: [{ accountId: "111122223333", reason: "role cannot be assumed" }],
      report: "/cleanup/runs/run-2",
    });

    expect(message.text).toMatch(/4000 failure\(s\)/);
    expect(JSON.stringify(message.blocks)).toMatch(/and 3999 more in the report/);
  });

  it("says what a dry run would delete, and what a real run deleted", () => {
    const event = {
      runId: "run-3",
      status: "SUCCEEDED" as const,
      deleted: 3,
      skipped: 1,
      failureCount: 0,
      failures: [],
      report: "/cleanup/runs/run-3",
    };
    const dry = JSON.stringify(cleanupCompletedMessage({ ...event, dryRun: true }).blocks);
    const real = JSON.stringify(cleanupCompletedMessage({ ...event, dryRun: false }).blocks);

    expect(dry).toContain("*Would delete:* 3");
    expect(dry).not.toContain("*Deleted:*");
    expect(real).toContain("*Deleted:* 3");
  });
});

describe("accountClosedMessage", () => {
  const closed = {
    closureId: "closure-111122223333",
    accountId: "111122223333",
    accountName: "box",
    closedOuPath: "Suspended",
    remaining: [],
  };

  it("shows the reason the operator gave", () => {
    const message = accountClosedMessage({ ...closed, trigger: "api", reason: "project <over>" });

    expect(message.text).toContain("moved to Suspended (project <over>)");
    expect(JSON.stringify(message.blocks)).toContain("*Why:* closed on request: project &lt;over&gt;");
  });

  it("says a lease ended, and closed on request when no reason was given", () => {
    expect(JSON.stringify(accountClosedMessage({ ...closed, trigger: "lease" }).blocks)).toContain(
      "*Why:* its lease ended",
    );
    expect(JSON.stringify(accountClosedMessage({ ...closed, trigger: "api" }).blocks)).toContain(
      "*Why:* closed on request\\n",
    );
  });
});
