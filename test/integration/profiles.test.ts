import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseIni } from "../../packages/core/src/profiles/ini";
import { call, unique, useApi } from "../support/plane";
import { runQm } from "../support/qm";

// A table of its own: the profiles listed are exactly this file's vends.
const api = useApi({ tableName: unique("profiles") });

async function vend(name: string, ou: string, access: { group: string; permissionSets: string[] }[]) {
  const res = await call(api.url, "POST", "/accounts", {
    name,
    email: `aws+${name.replace(/ /g, "")}@example.com`,
    ou,
    access,
  });
  expect(res.status).toBe(202);
  await api.plane.runner.wait(res.body.executionArn);
  const view = await call(api.url, "GET", res.body.links.self);
  expect(view.body.status).toBe("SUCCEEDED");
  return view.body as { requestId: string; accountId: string };
}

async function profilesText(query = ""): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${api.url}/profiles${query}`);
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

describe("GET /profiles and qm profiles", () => {
  it("hands out each vended account's profiles, writes them into a config file and a registry, and drops a closed account", async () => {
    const spaced = `${unique("pay")} dev.v2`;
    const box = unique("pbox");
    const app = await vend(spaced, "Workloads/QA", [
      { group: "Admin", permissionSets: ["AdministratorAccess"] },
      { group: "Developers", permissionSets: ["ReadOnlyAccess"] },
    ]);
    const sandbox = await vend(box, "Sandbox", [{ group: "Developers", permissionSets: ["ReadOnlyAccess"] }]);
    const appName = spaced.replace(/ /g, "-");

    const ini = await profilesText("?prefix=acme.");
    expect(ini.status).toBe(200);
    expect(ini.type).toMatch(/^text\/plain/);
    const sections = parseIni(ini.text).sections;
    expect(sections.map((s) => s.profile).sort()).toEqual(
      [
        `acme.${appName}/AdministratorAccess`,
        `acme.${appName}/ReadOnlyAccess`,
        `acme.${box}/ReadOnlyAccess`,
      ].sort(),
    );
    const admin = sections.find((s) => s.profile === `acme.${appName}/AdministratorAccess`);
    expect(admin?.values).toMatchObject({
      granted_sso_account_id: app.accountId,
      granted_sso_role_name: "AdministratorAccess",
      granted_sso_region: "us-east-1",
      credential_process: `granted credential-process --profile acme.${appName}/AdministratorAccess`,
      quartermaster_request_id: app.requestId,
    });
    expect(admin?.values.granted_sso_start_url).toMatch(/^https:\/\/\S+\.awsapps\.com\/start$/);

    const json = await call(api.url, "GET", "/profiles?format=json");
    expect(json.body.profiles).toContainEqual(
      expect.objectContaining({
        name: `${box}/ReadOnlyAccess`,
        accountId: sandbox.accountId,
        accountName: box,
      }),
    );
    expect((await call(api.url, "GET", "/profiles?format=toml")).status).toBe(422);

    // --mine: linus is in Developers only.
    const mine = await runQm(api.url, { QM_LOCAL_USER: "linus@example.com" }, "profiles", "--mine", "--json");
    expect(
      JSON.parse(mine.out)
        .profiles.map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual([`${appName}/ReadOnlyAccess`, `${box}/ReadOnlyAccess`].sort());

    const dir = mkdtempSync(join(tmpdir(), "qm-profiles-"));
    const config = join(dir, "config");
    writeFileSync(config, "[default]\r\nregion = eu-west-1\r\n");
    const written = await runQm(api.url, {}, "profiles", "--write", config);
    expect(written.code).toBe(0);
    expect(written.out).toContain(`  + ${box}/ReadOnlyAccess`);
    expect(readFileSync(config, "utf8").startsWith("[default]\r\nregion = eu-west-1\r\n")).toBe(true);
    expect((await runQm(api.url, {}, "profiles", "--write", config)).out).toMatch(
      /no changes \(3 profile\(s\)\)/,
    );
    const registry = join(dir, "registry");
    expect((await runQm(api.url, {}, "profiles", "--registry", registry)).code).toBe(0);
    expect(readFileSync(join(registry, "granted.yml"), "utf8")).toMatch(/awsConfig:\n\s+- \.\/config/);

    const closed = await call(api.url, "POST", `/accounts/${sandbox.accountId}/close`, { reason: "done" });
    expect(closed.status).toBe(202);
    // Closing takes the account out at once, whatever the closure's progress.
    expect(parseIni((await profilesText()).text).sections.map((s) => s.profile)).not.toContain(
      `${box}/ReadOnlyAccess`,
    );
    const rewritten = await runQm(api.url, {}, "profiles", "--write", config);
    expect(rewritten.out).toContain(`  - ${box}/ReadOnlyAccess`);
    const again = await runQm(api.url, {}, "profiles", "--registry", registry);
    expect(again.out).toContain(`  - ${box}/ReadOnlyAccess`);
    expect(readFileSync(join(registry, "config"), "utf8")).not.toContain(box);
    await api.plane.runner.idle();
  });
});
