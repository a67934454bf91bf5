import { execFileSync } from "node:child_process";
import { ListAccountsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../packages/local/src/emulator";
import { freshStateDir, killLeftovers, npmStart, stop, waitForOutput } from "../support/npm-start";

afterAll(killLeftovers);

const READY = /^ready api=(\S+) aws=(\S+)$/m;

async function start(env: Record<string, string>) {
  const app = npmStart(env);
  const [, api, aws] = (await waitForOutput(app.child, app.output, READY, 90_000)) as unknown as string[];
  return { ...app, api: api as string, aws: aws as string };
}

async function getStatus(api: string, requestId: string): Promise<number> {
  return (await fetch(`${api}/accounts/requests/${requestId}`)).status;
}

async function accountEmails(aws: string): Promise<string[]> {
  const org = new OrganizationsClient({
    region: "us-east-1",
    endpoint: aws,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const out = await org.send(new ListAccountsCommand({}));
  return (out.Accounts ?? []).map((a) => a.Email as string);
}

/** Local mode's own processes (its main and its emulator) still alive for a state folder. */
function survivors(stateDir: string): string[] {
  return execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("moto_server.py") && line.includes(stateDir));
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

describe("local mode's kept state", () => {
  it("survives Ctrl-C, SIGKILL of npm start and SIGTERM, says whether it resumed, and QM_LOCAL_PERSIST=off starts empty", async () => {
    const stateDir = freshStateDir();
    const port = String(await freePort());
    const env = { PORT: port, QM_LOCAL_WAIT_MS: "50", QM_LOCAL_STATE_DIR: stateDir, SLACK_WEBHOOK_URL: "" };
    const name = `persist-${Date.now().toString(36)}`;
    const email = `aws+${name}@example.com`;

    const first = await start(env);
    expect(first.output.stdout).toMatch(/state: started fresh/);
    const accepted = (await (
      await fetch(`${first.api}/accounts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name, email, ou: "Sandbox" }),
      })
    ).json()) as { requestId: string };
    for (let i = 0; i < 100; i++) {
      const view = (await (await fetch(`${first.api}/accounts/requests/${accepted.requestId}`)).json()) as {
        status: string;
      };
      if (view.status === "SUCCEEDED") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await stop(first.child, "SIGINT");

    const second = await start(env);
    expect(second.output.stdout).toMatch(/state: resumed/);
    expect(await getStatus(second.api, accepted.requestId)).toBe(200);
    expect(await accountEmails(second.aws)).toContain(email);
    second.child.kill("SIGKILL");
    expect(await waitUntil(() => survivors(stateDir).length === 0, 10_000)).toBe(true);

    const third = await start(env);
    expect(third.output.stdout).toMatch(/state: resumed/);
    expect(await getStatus(third.api, accepted.requestId)).toBe(200);
    await stop(third.child, "SIGTERM");

    const off = await start({ ...env, QM_LOCAL_PERSIST: "off" });
    expect(off.output.stdout).toMatch(/state: started fresh/);
    expect(await getStatus(off.api, accepted.requestId)).toBe(404);
    expect(await accountEmails(off.aws)).not.toContain(email);
    await stop(off.child, "SIGTERM");
  });
});
