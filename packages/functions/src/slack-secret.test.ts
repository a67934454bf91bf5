import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readSstSecret, webhookFromSecret } from "./slack-secret";

const ssm = mockClient(SSMClient);
const savedEnv = { ...process.env };

beforeEach(() => {
  ssm.reset();
  Object.assign(process.env, {
    SST_APP: "quartermaster",
    SST_STAGE: "prod",
    SST_REGION: "us-east-1",
    SST_SSM_PREFIX: "/sst/quartermaster/prod/",
    SST_Secret_value_SLACK_WEBHOOK_URL: "__FETCH_FROM_SSM__",
  });
});

afterEach(() => {
  process.env = { ...savedEnv };
});

describe("the Slack webhook secret", () => {
  it("is undefined, with one warning, while the secret is not set, and never fails the event", async () => {
    const warn = vi.fn();
    const load = vi.fn(async () => {
      throw new Error('The secret SLACK_WEBHOOK_URL is not set in the "prod" stage');
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
      async () => "https://hooks.slack.com/services/T/B/x",
    );

    expect(await url()).toBe("https://hooks.slack.com/services/T/B/x");
    expect(warn).not.toHaveBeenCalled();
  });
});

describe("reading an SST secret", () => {
  const path = "/sst/quartermaster/prod/Secret/SLACK_WEBHOOK_URL/value";
  const fallback = "/sst/quartermaster/.fallback/Secret/SLACK_WEBHOOK_URL/value";

  it("reads the stage's parameter, decrypted, where SST stores it", async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: path, Value: "https://hooks/x" }] });

    expect(await readSstSecret("SLACK_WEBHOOK_URL")).toBe("https://hooks/x");
    expect(ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input)).toEqual([
      { Names: [path], WithDecryption: true },
    ]);
  });

  it("falls back to the app's fallback value, as SST does, when the stage has none", async () => {
    ssm
      .on(GetParametersCommand, { Names: [path] })
      .resolves({ Parameters: [], InvalidParameters: [path] })
      .on(GetParametersCommand, { Names: [fallback] })
      .resolves({ Parameters: [{ Name: fallback, Value: "https://hooks/fallback" }] });

    expect(await readSstSecret("SLACK_WEBHOOK_URL")).toBe("https://hooks/fallback");
  });

  it("fails naming the secret and the stage when neither is set", async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: ["x"] });

    await expect(readSstSecret("SLACK_WEBHOOK_URL")).rejects.toThrow(
      'The secret SLACK_WEBHOOK_URL is not set in the "prod" stage',
    );
  });

  it("retries SSM's throttling", async () => {
    ssm
      .on(GetParametersCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: {} }))
      .resolves({ Parameters: [{ Name: path, Value: "https://hooks/x" }] });

    expect(await readSstSecret("SLACK_WEBHOOK_URL")).toBe("https://hooks/x");
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(2);
  });

  it("takes a value SST put in the variable itself, and refuses a secret that is not bound", async () => {
    process.env.SST_Secret_value_SLACK_BOT_TOKEN = "xoxb-direct";

    expect(await readSstSecret("SLACK_BOT_TOKEN")).toBe("xoxb-direct");
    await expect(readSstSecret("SLACK_SIGNING_SECRET")).rejects.toThrow(/not bound/);
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(0);
  });
});
