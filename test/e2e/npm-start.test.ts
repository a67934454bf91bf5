import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { ListAccountsCommand, ListParentsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../packages/local/src/emulator";
import { killLeftovers, npmStart, stop, waitForOutput } from "../support/npm-start";

/** Processes whose command line mentions this port (the emulator's or the API's). */
function processesOn(port: number): string[] {
  const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes("moto_server.py") && line.includes(`--port ${port}`));
}

afterAll(killLeftovers);

describe("npm start", () => {
  it("serves the API on the emulator, vends an account, and leaves no process behind after SIGTERM", async () => {
    const port = await freePort();
    const app = npmStart({ PORT: String(port), QM_LOCAL_WAIT_MS: "50" });
    const { child } = app;

    const ready = await waitForOutput(child, app.output, /^ready api=(\S+) aws=(\S+)$/m, 90_000);
    const [, api, aws] = ready as unknown as [string, string, string];
    expect(api).toBe(`http://127.0.0.1:${port}`);
    const name = `e2e-${Date.now().toString(36)}`;
    const accepted = await fetch(`${api}/accounts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name,
        email: `aws+${name}@example.com`,
        ou: "Workloads/Development",
        access: [{ group: "Developers", permissionSets: ["ReadOnlyAccess"] }],
      }),
    }).then((r) => r.json() as Promise<{ requestId: string; links: { self: string } }>);
    let record: { status: string; accountId?: string } = { status: "PENDING" };
    for (let i = 0; i < 100 && !["SUCCEEDED", "FAILED"].includes(record.status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      record = await fetch(`${api}${accepted.links.self}`).then((r) => r.json() as Promise<typeof record>);
    }

    expect(record.status).toBe("SUCCEEDED");
    const org = new OrganizationsClient({
      region: "us-east-1",
      endpoint: aws,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const account = (await org.send(new ListAccountsCommand({}))).Accounts?.find(
      (a) => a.Email === `aws+${name}@example.com`,
    );
    expect(account?.Id).toBe(record.accountId);
    expect((await org.send(new ListParentsCommand({ ChildId: record.accountId }))).Parents?.[0]?.Type).toBe(
      "ORGANIZATIONAL_UNIT",
    );

    const emulatorPort = Number(new URL(aws).port);
    expect(processesOn(emulatorPort)).toHaveLength(1);
    // npm re-raises the signal its script ended on; either way it must be a clean stop.
    expect(["0/null", "null/SIGTERM"]).toContain(await stop(child, "SIGTERM"));
    await new Promise((r) => setTimeout(r, 300));
    expect(processesOn(emulatorPort)).toEqual([]);
    await expect(fetch(`${api}/health`)).rejects.toThrow();
  });

  it("refuses a malformed SLACK_WEBHOOK_URL at start without printing it", async () => {
    const secret = "T0SECRET/B0SECRET/xoxSECRET";
    const app = npmStart({
      PORT: String(await freePort()),
      SLACK_WEBHOOK_URL: `https://user:pw@hooks.slack.com/services/${secret}`,
    });
    const code = await new Promise<number | null>((resolve) => app.child.once("exit", (c) => resolve(c)));

    expect(code).toBe(1);
    expect(app.output.stderr).toMatch(/Slack webhook URL is malformed/);
    expect(`${app.output.stdout}${app.output.stderr}`).not.toContain("SECRET");
  });

  it("fails at once, naming the port, when the port is in use", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const app = npmStart({ PORT: String(port) });
      const code = await new Promise<number | null>((resolve) => app.child.once("exit", (c) => resolve(c)));

      expect(code).not.toBe(0);
      expect(app.output.stderr).toContain(`Port ${port}`);
    } finally {
      blocker.close();
    }
  });
});
