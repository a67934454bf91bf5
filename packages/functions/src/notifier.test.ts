import type { SNSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { notificationsOf } from "./notifier";

describe("notificationsOf", () => {
  it("turns each SNS record from AWS Budgets into a budget alert keyed by its message id", () => {
    const event = {
      Records: [
        {
          Sns: {
            MessageId: "m-1",
            Message: "Budget Name: quartermaster-dev-210987654321\nAlert Threshold: > $80.00",
          },
        },
      ],
    } as unknown as SNSEvent;

    expect(notificationsOf(event)).toEqual([
      {
        kind: "budget-alert",
        id: "m-1",
        message: "Budget Name: quartermaster-dev-210987654321\nAlert Threshold: > $80.00",
      },
    ]);
  });

  it("maps bus events by detail type and ignores events it does not post", () => {
    const ready = {
      id: "e-1",
      source: "quartermaster",
      "detail-type": "Account Ready",
      detail: {
        requestId: "r",
        accountId: "1",
        accountName: "a",
        email: "a@b.co",
        ouPath: "Sandbox",
        access: [],
      },
    };
    const other = { id: "e-2", source: "quartermaster", "detail-type": "Something Else", detail: {} };
    const failed = {
      id: "e-3",
      source: "aws.states",
      "detail-type": "Step Functions Execution Status Change",
      detail: { executionArn: "arn", stateMachineArn: "sm", name: "n", status: "FAILED" },
    };

    expect(notificationsOf(ready).map((n) => n.kind)).toEqual(["account-ready"]);
    expect(notificationsOf(other)).toEqual([]);
    // An execution failure is posted once, as its domain event (the execution monitor publishes it).
    expect(notificationsOf(failed)).toEqual([]);
  });

  it("refuses an event whose detail does not match its schema", () => {
    const broken = {
      id: "e-4",
      source: "quartermaster",
      "detail-type": "Account Ready",
      detail: { accountId: 1 },
    };

    expect(() => notificationsOf(broken)).toThrow();
  });
});
