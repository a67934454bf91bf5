import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../packages/local/src/emulator";
import { killLeftovers, npmStart, stop, waitForOutput } from "../support/npm-start";
import { buttonClick, slackHeaders, slashCommand, startSlack } from "../support/slack";

afterAll(killLeftovers);

describe("npm start with a Slack app configured", () => {
  it("takes /vend, waits for approval, and vends when an approver clicks Approve in Slack", async () => {
    const secret = "e2e-signing-secret";
    const token = "xoxb-e2e";
    const slack = await startSlack({
      token,
      users: { U_REQ: "req@example.com", U_APP: "approver@example.com" },
    });
    const app = npmStart({
      PORT: String(await freePort()),
      QM_LOCAL_WAIT_MS: "50",
      QM_LOCAL_PERSIST: "off",
      QM_CONFIG: JSON.stringify({
        cleanup: { regions: ["us-east-1"] },
        approvals: { rules: [{ ous: ["Workloads"], approvers: ["approver@example.com"] }] },
      }),
      SLACK_WEBHOOK_URL: slack.webhookUrl,
      SLACK_SIGNING_SECRET: secret,
      SLACK_BOT_TOKEN: token,
      SLACK_API_URL: slack.apiUrl,
    });
    try {
      const [, api] = (await waitForOutput(
        app.child,
        app.output,
        /^ready api=(\S+) aws=(\S+)$/m,
        90_000,
      )) as unknown as [string, string];
      const post = (path: string, form: string) =>
        fetch(`${api}${path}`, { method: "POST", headers: slackHeaders(secret, form), body: form });
      const name = `e2e-slack-${Date.now().toString(36)}`;

      const command = slashCommand({
        userId: "U_REQ",
        text: `--name ${name} --email aws+${name}@example.com --ou Workloads/Development`,
        responseUrl: slack.responseUrl("cmd"),
      });
      const ack = (await (await post("/slack/commands", command)).json()) as { text: string };
      expect(ack.text).toMatch(/Taking your \/vend/);
      // The outcome follows at the command's response_url.
      const answer = (await slack.first("/actions/T0/cmd/hook")).json as { text: string };
      const requestId = /request `([^`]+)`/.exec(answer.text)?.[1] as string;
      expect(answer.text).toMatch(/PENDING_APPROVAL/);

      const click = buttonClick({
        userId: "U_APP",
        actionId: "qm_approve",
        requestId,
        responseUrl: slack.responseUrl("click"),
      });
      expect((await post("/slack/interactions", click)).status).toBe(200);
      let record = { status: "PENDING_APPROVAL", requester: "" };
      for (let i = 0; i < 100 && record.status !== "SUCCEEDED" && record.status !== "FAILED"; i++) {
        await new Promise((r) => setTimeout(r, 200));
        record = (await (await fetch(`${api}/accounts/requests/${requestId}`)).json()) as typeof record;
      }

      expect(record).toMatchObject({ status: "SUCCEEDED", requester: "req@example.com" });
      expect((await slack.first("/actions/T0/click/hook")).json.text).toMatch(
        /approved by approver@example\.com/,
      );
      expect(
        slack.to("/services/T0/B0/webhook").some((c) => JSON.stringify(c.json).includes("qm_approve")),
      ).toBe(true);
      const unsigned = await fetch(`${api}/slack/interactions`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: click,
      });
      expect(unsigned.status).toBe(401);
    } finally {
      await stop(app.child, "SIGTERM");
      await slack.close();
    }
  });
});
