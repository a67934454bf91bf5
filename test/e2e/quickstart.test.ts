import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parseIni } from "../../packages/core/src/profiles/ini";
import { freePort } from "../../packages/local/src/emulator";
import { killLeftovers, npmStart, stop, waitForOutput } from "../support/npm-start";

const exec = promisify(execFile);

/** The shell blocks of the README's quickstart, between its markers. */
function quickstartScript(port: number): string {
  const readme = readFileSync("README.md", "utf8");
  const section = /<!-- quickstart:start -->([\s\S]*?)<!-- quickstart:end -->/.exec(readme)?.[1];
  if (!section) throw new Error("README has no quickstart section");
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  return blocks.join("\n").replaceAll("127.0.0.1:8787", `127.0.0.1:${port}`);
}

afterAll(killLeftovers);

describe("the README quickstart", () => {
  it("runs every command against npm start, shows the Slack message, and stops on Ctrl-C", async () => {
    const port = await freePort();
    const app = npmStart({ PORT: String(port), QM_LOCAL_WAIT_MS: "50", SLACK_WEBHOOK_URL: "" });
    await waitForOutput(app.child, app.output, /^ready api=\S+ aws=\S+$/m, 90_000);

    const { stdout } = await exec("bash", ["-euo", "pipefail", "-c", quickstartScript(port)], {
      timeout: 120_000,
    });

    expect(stdout).toContain('"requestId":"quickstart-1"');
    expect(stdout).toMatch(/quickstart-1\s+SUCCEEDED/);
    expect(stdout).toContain('"status":"SUCCEEDED"');
    expect(stdout).toMatch(/WOULD DELETE/);
    // The example baseline is what local mode seeded: no changes; an 8-hour session is one ~ line, applied.
    expect(stdout).toMatch(/Plan bpl-\S+: no changes\./);
    expect(stdout.split("\n").filter((line) => line.startsWith("  ~ "))).toEqual([
      '  ~ permissionSet/AdministratorAccess sessionDuration: "PT4H" -> "PT8H"',
    ]);
    expect(stdout).toMatch(/^bpl-\S+ APPLIED: 1 change\(s\)$/m);
    await waitForOutput(app.child, app.output, /== Account ready: payments-dev ==/, 10_000);
    expect(app.output.stdout).toContain("assume payments-dev/AdministratorAccess");
    expect(stdout).toContain("[profile payments-dev/AdministratorAccess]");
    // The profile the Slack message names is the one qm profiles --write puts in the config file.
    const named = /assume (\S+)/.exec(app.output.stdout)?.[1] as string;
    const config = join(mkdtempSync(join(tmpdir(), "qm-quickstart-")), "config");
    await exec("npx", ["qm", "profiles", "--write", config], {
      env: { ...process.env, QM_API_URL: `http://127.0.0.1:${port}` },
    });
    const profile = parseIni(readFileSync(config, "utf8")).sections.find((s) => s.profile === named);
    const accountId = /payments-dev \(`?(\d{12})/.exec(app.output.stdout)?.[1];
    expect(profile?.values.granted_sso_account_id).toBe(accountId);
    expect(profile?.values.quartermaster_request_id).toBe("quickstart-1");
    // Each account's own EC2 names its regions: the emulator's missing account:ListRegions is never asked.
    const mentions = [...app.output.stdout.split("\n"), ...app.output.stderr.split("\n")].filter((line) =>
      /ListRegions|DescribeRegions/.test(line),
    );
    expect(mentions).toEqual([]);
    expect(["0/null", "null/SIGINT"]).toContain(await stop(app.child, "SIGINT"));
  });
});
