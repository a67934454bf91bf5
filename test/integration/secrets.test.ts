import { Logger } from "@aws-lambda-powertools/logger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { call, serveApi, testPlane, unique } from "../support/plane";
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
