import { describe, expect, it } from "vitest";
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
});
