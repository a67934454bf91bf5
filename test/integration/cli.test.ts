import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTable } from "../../packages/local/src/seed";
import { TEST_REGION } from "../support/aws-env";
import { accountsWithEmail } from "../support/org";
import { serveApi, testPlane, unique } from "../support/plane";
import { runQm } from "../support/qm";

const exec = promisify(execFile);
const plane = testPlane({ faults: "Organizations.MoveAccount=AccessDeniedException:1" });
let api: Awaited<ReturnType<typeof serveApi>>;

beforeAll(async () => {
  api = await serveApi(plane);
});
afterAll(async () => {
  await api.close();
});

/** Runs `qm` in-process against the test server, capturing what it prints. */
const qm = (...argv: string[]) => runQm(api.url, {}, ...argv);

describe("qm against the API", () => {
  it("vends, reports the failure with exit 1, retries, and watches the request to SUCCEEDED with one account", async () => {
    const name = unique("cli");
    const email = `aws+${name}@example.com`;

    const vend = await qm(
      "vend",
      "--name",
      name,
      "--email",
      email,
      "--ou",
      "Shared/Security",
      "--access",
      "Admin=ReadOnlyAccess",
      "--tag",
      "team=cli",
      "--json",
    );
    const { requestId } = JSON.parse(vend.out);
    await plane.runner.idle();
    const failed = await qm("status", requestId);
    const retried = await qm("retry", requestId);
    const watched = await qm("status", requestId, "--watch", "--json");

    expect(vend.code).toBe(0);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/FAILED/);
    expect(failed.out).toContain(`qm retry ${requestId}`);
    expect(retried.code).toBe(0);
    expect(watched.code).toBe(0);
    expect(JSON.parse(watched.out).status).toBe("SUCCEEDED");
    expect(await accountsWithEmail(email)).toHaveLength(1);
  });

  it("shows the API's field details and exits 2 on a validation error", async () => {
    const res = await qm("vend", "--name", "bad[name]", "--email", "nope", "--ou", "Sandbox");

    expect(res.code).toBe(2);
    expect(res.err).toMatch(/422 VALIDATION_FAILED/);
    expect(res.err).toMatch(/name: may use letters, digits/);
    expect(res.err).toMatch(/email:/);
  });

  it("exits 2 on usage errors", async () => {
    expect((await qm("vend", "--name", "x")).code).toBe(2);
    expect((await qm("frobnicate")).code).toBe(2);
    expect((await qm("retry", "--all-failed", "--since", "soon")).code).toBe(2);
  });

  it("lists requests filtered by status", async () => {
    const res = await qm("list", "--status", "succeeded", "--json");

    expect(res.code).toBe(0);
    const items = JSON.parse(res.out).items as { status: string }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.status === "SUCCEEDED")).toBe(true);
  });

  it("retries only failed requests with --all-failed", async () => {
    // Its own table: --all-failed must not retry other files' failed requests.
    const tableName = unique("qm-all-failed");
    await ensureTable(TEST_REGION, tableName);
    const faulty = testPlane({
      faults: "Organizations.MoveAccount=AccessDeniedException:1",
      tableName,
    });
    const server = await serveApi(faulty);
    try {
      const post = (name: string) =>
        fetch(`${server.url}/accounts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name, email: `aws+${name}@example.com`, ou: "Marketplace" }),
        }).then((r) => r.json() as Promise<{ requestId: string }>);
      const failing = await post(unique("allfailed"));
      await faulty.runner.idle();
      const succeeding = await post(unique("allok"));
      await faulty.runner.idle();
      const before = (await faulty.ctx.store.get(succeeding.requestId))?.attempts.length;
      const { code, out } = await runQm(server.url, {}, "retry", "--all-failed", "--since", "1h", "--json");
      await faulty.runner.idle();

      const retried = JSON.parse(out) as { requestId: string; status: string }[];
      expect(code).toBe(0);
      expect(retried.map((r) => r.requestId)).toEqual([failing.requestId]);
      expect((await faulty.ctx.store.get(failing.requestId))?.status).toBe("SUCCEEDED");
      expect((await faulty.ctx.store.get(succeeding.requestId))?.attempts.length).toBe(before);
    } finally {
      await server.close();
    }
  });

  it("runs as the qm bin", async () => {
    const { stdout } = await exec("npx", ["qm", "list", "--limit", "1", "--json"], {
      env: { ...process.env, QM_API_URL: api.url },
    });

    expect(JSON.parse(stdout).items).toHaveLength(1);
  });
});
