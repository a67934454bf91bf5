import { Logger } from "@aws-lambda-powertools/logger";
import { MemoryEventClaims } from "@test/support/memory-store";
import { RecordingMetrics } from "@test/support/unit-context";
import { afterEach, describe, expect, it, vi } from "vitest";
import { postToSlack, SlackWebhookUrlError } from "./deliver";
import { notify } from "./notifier";

const SECRET = "T0SECRET/B0SECRET/xoxSECRETtoken";
const MALFORMED = [
  `hooks.slack.com/services/${SECRET}`,
  `https://user:pass@hooks.slack.com/services/${SECRET}`,
  `ftp://hooks.slack.com/services/${SECRET}`,
  `https://exa mple.com/${SECRET}`,
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a malformed Slack webhook URL", () => {
  it.each(MALFORMED)("is refused before any request, without the URL in the error: %s", async (url) => {
    const fetch = vi.fn();

    const sent = postToSlack(
      url,
      { text: "x" },
      { maxTries: 1, baseDelayMs: 1, sleep: async () => {}, fetch },
    );

    await expect(sent).rejects.toBeInstanceOf(SlackWebhookUrlError);
    const error = (await sent.catch((e: unknown) => e)) as Error;
    expect(
      JSON.stringify({ message: error.message, stack: error.stack, cause: String(error.cause) }),
    ).not.toMatch(/SECRET/);
    expect(fetch).not.toHaveBeenCalled();
  });

  it.each(MALFORMED)("never reaches the notifier's log lines: %s", async (url) => {
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, "write").mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
    }
    const logger = new Logger({ serviceName: "qm-secret-test", logLevel: "DEBUG" });
    const failures: number[] = [];
    const metrics = new RecordingMetrics();

    const outcome = await notify(
      { claims: new MemoryEventClaims(), logger, metrics },
      { webhookUrl: async () => url, onPermanentFailure: (s) => failures.push(s) },
      { kind: "budget-alert", id: `e-${Math.random()}`, message: "Budget Name: quartermaster-x-1" },
    );

    vi.restoreAllMocks();
    expect(outcome).toBe("permanent-failure");
    expect(metrics.recorded).toEqual([{ name: "SlackDeliveryFailed", unit: "Count", value: 1 }]);
    expect(failures).toEqual([0]);
    expect(lines.join("")).toContain("permanently");
    expect(lines.join("")).not.toMatch(/SECRET/);
  });
});
