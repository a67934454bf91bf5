import { describe, expect, it, vi } from "vitest";
import { webhookFromSecret } from "./slack-secret";

describe("the Slack webhook secret", () => {
  it("is undefined, with one warning, while the secret is not set, and never fails the event", async () => {
    const warn = vi.fn();
    const load = vi.fn(async () => {
      throw new Error('The following secret values are not set in the "prod" stage: SLACK_WEBHOOK_URL');
    });
    const url = webhookFromSecret(() => ({ warn }), load);

    expect(await url()).toBeUndefined();
    expect(await url()).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(warn.mock.calls)).toMatch(/sst secrets set SLACK_WEBHOOK_URL/);
  });

  it("is the secret's value once it is set", async () => {
    const warn = vi.fn();
    const url = webhookFromSecret(
      () => ({ warn }),
      async () => ({ Config: { SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" } }),
    );

    expect(await url()).toBe("https://hooks.slack.com/services/T/B/x");
    expect(warn).not.toHaveBeenCalled();
  });
});
