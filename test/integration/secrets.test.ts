import { Logger } from "@aws-lambda-powertools/logger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { call, serveApi, testPlane, unique } from "../support/plane";
import { buttonClick, slackHeaders, slashCommand, startSlack } from "../support/slack";
import { startWebhook } from "../support/webhook";

const SECRET_PATH = "/services/T0SECRET1/B0SECRET2/hookSECRET3token";

/** Every line the control plane writes to stdout or stderr while `run` runs. */
async function captureOutput(run: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    }),
  );
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines.join("");
}

describe("secrets in logs", () => {
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  beforeAll(async () => {
    hook = await startWebhook();
  });
  afterAll(async () => {
    await hook.close();
  });

  it("never writes the webhook URL or an AWS credential, across a vend, a failure, a clean-up and a malformed webhook", async () => {
    const webhookUrl = `${new URL(hook.url).origin}${SECRET_PATH}`;
    const logger = () => new Logger({ serviceName: "qm-secrets", logLevel: "DEBUG" });
    const plane = testPlane({
      slackWebhookUrl: webhookUrl,
      logger: logger(),
      faults: "Organizations.MoveAccount=AccessDeniedException:1",
    });
    const broken = testPlane({
      slackWebhookUrl: `https://user:pw@hooks.slack.com${SECRET_PATH}`,
      logger: logger(),
    });
    const api = await serveApi(plane);
    const brokenApi = await serveApi(broken);

    const output = await captureOutput(async () => {
      for (const target of [
        { api, plane, ou: "Workloads/QA" },
        { api: brokenApi, plane: broken, ou: "Sandbox" },
      ]) {
        const name = unique("secret");
        await call(target.api.url, "POST", "/accounts", {
          name,
          email: `aws+${name}@example.com`,
          ou: target.ou,
        });
        await target.plane.runner.idle();
        await target.plane.events.drain();
      }
      await call(api.url, "POST", "/cleanup/runs", { dryRun: true, accounts: ["000000000000"] });
      await plane.runner.idle();
      await plane.events.drain();
    });
    await api.close();
    await brokenApi.close();

    // The run did post and did log: the check is not vacuous.
    expect(hook.posts.length).toBeGreaterThanOrEqual(2);
    expect(output).toMatch(/ACCESS_DENIED|AccessDenied/);
    expect(output).toMatch(/permanently/);
    expect(output).not.toMatch(/SECRET/);
    expect(output).not.toContain("user:pw");
    expect(output).not.toContain(`SecretAccessKey`);
    expect(output).not.toMatch(new RegExp(`"${process.env.AWS_SECRET_ACCESS_KEY}"`));
    expect(output).not.toMatch(/FQoGZXIvYXdzE|sessionToken/);
  });
});

describe("Slack's secrets in logs", () => {
  it("never writes the signing secret, the bot token or a response_url, across approvals, refusals and bad signatures", async () => {
    const signingSecret = "SECRETsigning0123456789abcdef";
    const token = "xoxb-SECRETtoken-42";
    const slack = await startSlack({
      token,
      users: { U_ALICE: "alice@example.com", U_BOB: "bob@example.com" },
    });
    const plane = testPlane({
      logger: new Logger({ serviceName: "qm-secrets", logLevel: "DEBUG" }),
      slackWebhookUrl: slack.webhookUrl,
      config: { approvals: { rules: [{ ous: ["Workloads/QA"], approvers: ["alice@example.com"] }] } },
      slack: { signingSecret, botToken: token, apiUrl: slack.apiUrl },
    });
    // The same plane with a token Slack refuses: users.info fails, and the failure is logged.
    const wrongToken = testPlane({
      logger: new Logger({ serviceName: "qm-secrets", logLevel: "DEBUG" }),
      slack: { signingSecret, botToken: "xoxb-SECRETwrong", apiUrl: slack.apiUrl },
    });
    const api = await serveApi(plane);
    const wrongApi = await serveApi(wrongToken);
    const post = (url: string, path: string, form: string, headers = slackHeaders(signingSecret, form)) =>
      fetch(`${url}${path}`, { method: "POST", headers, body: form });

    const output = await captureOutput(async () => {
      const name = unique("slacksecret");
      const submitted = await call(
        api.url,
        "POST",
        "/accounts",
        { name, email: `aws+${name}@example.com`, ou: "Workloads/QA" },
        { "x-qm-local-user": "bob@example.com" },
      );
      const requestId = submitted.body.requestId as string;
      const click = (userId: string) =>
        buttonClick({
          userId,
          actionId: "qm_approve",
          requestId,
          responseUrl: slack.responseUrl(`SECRET${unique("r")}`),
        });
      await post(api.url, "/slack/interactions", click("U_BOB"));
      await post(api.url, "/slack/interactions", click("U_NOBODY"));
      const unsigned = click("U_ALICE");
      await post(api.url, "/slack/interactions", unsigned, slackHeaders("SECRETwrongsecret", unsigned));
      await post(wrongApi.url, "/slack/interactions", click("U_ALICE"));
      await post(
        wrongApi.url,
        "/slack/commands",
        slashCommand({
          userId: "U_ALICE",
          text: `--name x --email x@example.com`,
          responseUrl: slack.responseUrl("SECRETcmd"),
        }),
      );
      await post(api.url, "/slack/interactions", click("U_ALICE"));
      // The Slack worker does each route's work after the answer: let all of it finish.
      await plane.events.drain();
      await wrongToken.events.drain();
      await plane.runner.idle();
      await plane.events.drain();
    });
    await api.close();
    await wrongApi.close();
    await slack.close();

    // Not vacuous: the refusals, the users.info failure and the decision were logged, and Slack was answered.
    expect(output).toMatch(/Refused an approval decision/);
    expect(output).toMatch(/invalid_auth/);
    expect(output).toMatch(/Request decided/);
    expect(slack.calls.filter((c) => c.path.startsWith("/actions/")).length).toBeGreaterThanOrEqual(3);
    expect(output).not.toMatch(/SECRET/);
    expect(output).not.toContain("xoxb-");
  });
});
