import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, USAGE } from "./commands";
import type { Io } from "./shared";

/** A stand-in for the API over real HTTP: each route answers what the test sets. */
type Answer = { status: number; body: unknown } | ((req: IncomingMessage, body: unknown) => Answer);
const routes = new Map<string, Answer>();
const posted: { path: string; body: unknown }[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (req.method === "POST") posted.push({ path, body });
    let answer = routes.get(`${req.method} ${path}`) ?? {
      status: 404,
      body: { error: { code: "NOT_FOUND", message: `no route ${path}` } },
    };
    while (typeof answer === "function") answer = answer(req, body);
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function qm(argv: string[], options: { env?: NodeJS.ProcessEnv; isTty?: boolean; cwd?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: options.env ?? { QM_API_URL: base },
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), "qm-cwd-")),
    isTty: options.isTty ?? false,
    sleep: async () => {},
    now: () => new Date(),
  };
  const code = await runCli(argv, io);
  return { code, out: out.join("\n"), err: err.join("\n"), errLines: err };
}

const error = (status: number, code: string) => ({ status, body: { error: { code, message: `${code}!` } } });

const request = (status: string, extra: Record<string, unknown> = {}) => ({
  requestId: "req-1",
  status,
  request: { name: "box", email: "box@example.com", ou: "Sandbox" },
  ouPath: "Sandbox",
  steps: [],
  attempts: [],
  createdAt: "2026-12-05T00:00:00.000Z",
  updatedAt: "2026-12-05T00:00:00.000Z",
  ...extra,
});

const run = (status: string, deleted: string[], accountId = "111122223333") => ({
  runId: "run-1",
  status,
  dryRun: true,
  trigger: "closure",
  refused: [],
  attempts: 1,
  startedAt: "2026-12-05T00:00:00.000Z",
  summary: {
    accounts: 1,
    refused: 0,
    finished: deleted.length ? 1 : 0,
    deleted: deleted.length,
    skipped: 0,
    failed: 0,
    accountsFailed: 0,
  },
  accounts: [
    {
      accountId,
      name: "box",
      regions: [{ region: "us-east-1", deleted, skipped: [], failed: [] }],
    },
  ],
});

describe("qm's exit codes", () => {
  it("mean one thing each: 1 refused, 2 wrong input, 3 Quartermaster could not answer", async () => {
    const expected: [number, number][] = [
      [400, 2],
      [403, 1],
      [404, 1],
      [409, 1],
      [413, 2],
      [415, 2],
      [422, 2],
      [500, 3],
      [502, 3],
      [503, 3],
    ];
    const codes: [number, number][] = [];
    for (const [status] of expected) {
      routes.set("GET /accounts/requests/req-1", error(status, `E${status}`));
      codes.push([status, (await qm(["status", "req-1"])).code]);
    }
    expect(codes).toEqual(expected);
  });

  it("are 1 for a request that ended FAILED, REJECTED or EXPIRED, and 0 for SUCCEEDED", async () => {
    const codes: Record<string, number> = {};
    for (const status of ["SUCCEEDED", "FAILED", "REJECTED", "EXPIRED", "PENDING_APPROVAL"]) {
      routes.set("GET /accounts/requests/req-1", { status: 200, body: request(status) });
      codes[status] = (await qm(["status", "req-1"])).code;
    }
    expect(codes).toEqual({ SUCCEEDED: 0, FAILED: 1, REJECTED: 1, EXPIRED: 1, PENDING_APPROVAL: 0 });
  });

  it("are 2 for a usage error, and the usage text carries the table", async () => {
    expect((await qm(["frobnicate"])).code).toBe(2);
    expect(USAGE).toMatch(/0 {2}done/);
    expect(USAGE).toMatch(/1 {2}the operation failed or was refused \(403, 404, 409/);
    expect(USAGE).toMatch(/2 {2}the command or its input was wrong \(usage, 400, 413, 415, 422\)/);
    expect(USAGE).toMatch(/3 {2}Quartermaster could not be reached or could not answer/);
  });
});

describe("qm's messages", () => {
  it("name the URL it could not reach and where that URL came from, and exit 3", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}`;

    const flag = await qm(["status", "req-1", "--api", url], { env: {} });
    const env = await qm(["status", "req-1"], { env: { QM_API_URL: url } });
    const cwd = mkdtempSync(join(tmpdir(), "qm-outputs-"));
    mkdirSync(join(cwd, ".sst"));
    writeFileSync(
      join(cwd, ".sst", "outputs.json"),
      JSON.stringify({ "prod-quartermaster-Api": { ApiUrl: url } }),
    );
    const outputs = await qm(["status", "req-1"], { env: {}, cwd });

    expect([flag.code, env.code, outputs.code]).toEqual([3, 3, 3]);
    expect(flag.err).toBe(`qm: could not reach ${url}/ (from --api): ECONNREFUSED`);
    expect(env.err).toContain(`${url}/ (from QM_API_URL)`);
    expect(outputs.err).toContain(`${url}/ (from .sst/outputs.json (prod-quartermaster-Api))`);
  });

  it("say how to name the caller when the API does not know who is calling", async () => {
    routes.set("POST /accounts/requests/req-1/approve", error(403, "UNKNOWN_CALLER"));
    const res = await qm(["approve", "req-1"]);

    expect(res.code).toBe(1);
    expect(res.err).toMatch(/403 UNKNOWN_CALLER/);
    expect(res.err).toMatch(/--as EMAIL or QM_LOCAL_USER=EMAIL/);
    expect(res.err).toMatch(/IAM Identity Center session/);
  });
});

describe("every command qm suggests", () => {
  it("works as printed, --watch included", async () => {
    routes.set("POST /accounts", { status: 202, body: { requestId: "req-1", status: "PENDING", links: {} } });
    routes.set("GET /accounts/requests/req-1", { status: 200, body: request("SUCCEEDED") });
    routes.set("POST /accounts/111122223333/close", {
      status: 202,
      body: { closureId: "closure-1", status: "PENDING", links: {} },
    });
    routes.set("GET /closures/closure-1", {
      status: 200,
      body: {
        closureId: "closure-1",
        status: "CLOSED",
        accountId: "111122223333",
        accountName: "box",
        trigger: "operator",
        steps: [],
      },
    });
    routes.set("POST /cleanup/runs", { status: 202, body: { runId: "run-1", status: "RUNNING", links: {} } });
    routes.set("GET /cleanup/runs/run-1", { status: 200, body: run("SUCCEEDED", []) });

    const printed = [
      await qm(["vend", "--name", "box", "--email", "box@example.com"]),
      await qm(["close", "111122223333"]),
      await qm(["cleanup", "--dry-run"]),
    ].map((r) => r.out);
    const suggestions = printed.flatMap((out) =>
      [...out.matchAll(/with: qm (.+)$/gm)].map((m) => m[1] ?? ""),
    );

    expect(suggestions).toEqual([
      "status req-1 --watch",
      "close status closure-1 --watch",
      "cleanup status run-1 --watch",
    ]);
    for (const suggestion of suggestions) {
      const res = await qm(suggestion.split(" "));
      expect({ suggestion, code: res.code, err: res.err }).toEqual({ suggestion, code: 0, err: "" });
    }
  });
});

describe("qm cleanup --wait and the status watches", () => {
  it("show one line of progress on a terminal, and nothing with --json or off a terminal", async () => {
    let reads = 0;
    routes.set("POST /cleanup/runs", { status: 202, body: { runId: "run-1", status: "RUNNING", links: {} } });
    routes.set("GET /cleanup/runs/run-1", () => {
      reads++;
      return { status: 200, body: run(reads < 3 ? "RUNNING" : "SUCCEEDED", reads < 2 ? [] : ["app"]) };
    });

    const tty = await qm(["cleanup", "--dry-run", "--wait"], { isTty: true });
    reads = 0;
    const json = await qm(["cleanup", "--dry-run", "--wait", "--json"], { isTty: true });
    reads = 0;
    const piped = await qm(["cleanup", "--dry-run", "--wait"], { isTty: false });

    expect(tty.code).toBe(0);
    expect(tty.errLines.filter((l) => l.includes("RUNNING"))).toEqual([
      expect.stringMatching(
        /run-1 RUNNING \(dry run\): 0\/1 accounts done, 0 stacks would be deleted, 0 failed$/,
      ),
      expect.stringMatching(
        /run-1 RUNNING \(dry run\): 1\/1 accounts done, 1 stacks would be deleted, 0 failed$/,
      ),
    ]);
    expect(tty.errLines.at(-1)).toBe("\r\x1b[2K");
    expect(tty.out).toMatch(/app\s+WOULD DELETE/);
    expect(json.err).toBe("");
    expect(JSON.parse(json.out).status).toBe("SUCCEEDED");
    expect(piped.err).toBe("");
  });
});

describe("qm cleanup status", () => {
  it("reads every page of a large run's report and prints it whole, with its summary", async () => {
    const asked: string[] = [];
    routes.set("GET /cleanup/runs/run-1", (req) => {
      const url = new URL(req.url ?? "", "http://x");
      asked.push(url.search);
      const next = url.searchParams.get("next");
      const page = next === null ? run("SUCCEEDED", ["app"]) : run("SUCCEEDED", ["db"], "444455556666");
      return { status: 200, body: next === null ? { ...page, next: "page-2" } : page };
    });

    const res = await qm(["cleanup", "status", "run-1"]);

    expect(res.code).toBe(0);
    expect(asked).toEqual(["?limit=500", "?limit=500&next=page-2"]);
    expect(res.out).toMatch(/111122223333\s+us-east-1\s+app\s+WOULD DELETE/);
    expect(res.out).toMatch(/444455556666\s+us-east-1\s+db\s+WOULD DELETE/);
    expect(res.out).toMatch(/1 accounts \(0 not cleaned\), 0 refused; 1 stacks would be deleted/);
  });
});

describe("qm close --dry-run", () => {
  it("prints what would be deleted and where the account would go", async () => {
    routes.set("POST /accounts/111122223333/close", {
      status: 202,
      body: {
        dryRun: true,
        accountId: "111122223333",
        accountName: "box",
        ouPath: "Sandbox",
        wouldMoveTo: "Suspended",
        cleanupRunId: "run-1",
        links: { cleanup: "/cleanup/runs/run-1" },
      },
    });
    routes.set("GET /cleanup/runs/run-1", { status: 200, body: run("SUCCEEDED", ["app", "db"]) });

    const res = await qm(["close", "111122223333", "--dry-run"]);

    expect(res.code).toBe(0);
    expect(res.out).toMatch(
      /in Sandbox would be cleaned, closed and moved to Suspended\n2 stacks would be deleted:/,
    );
    expect(res.out).toMatch(/111122223333\s+us-east-1\s+app\s+WOULD DELETE/);
    expect(res.out).toMatch(/111122223333\s+us-east-1\s+db\s+WOULD DELETE/);
  });
});

describe("qm lease", () => {
  it("says --hours sets the end from now, and --extend moves it later than its current end", async () => {
    const end = "2026-12-06T12:00:00.000Z";
    routes.set("GET /accounts/requests/req-1", {
      status: 200,
      body: request("SUCCEEDED", { lease: { status: "ACTIVE", expiresAt: end } }),
    });
    routes.set("POST /accounts/requests/req-1/lease", (_req, body) => ({
      status: 200,
      body: request("SUCCEEDED", {
        lease: { status: "ACTIVE", expiresAt: (body as { expiresAt?: string }).expiresAt ?? end },
      }),
    }));
    posted.length = 0;

    const hours = await qm(["lease", "req-1", "--hours", "24"]);
    const extend = await qm(["lease", "req-1", "--extend", "24"]);
    const both = await qm(["lease", "req-1", "--hours", "24", "--extend", "24"]);

    expect(posted.map((p) => p.body)).toEqual([{ hours: 24 }, { expiresAt: "2026-12-07T12:00:00.000Z" }]);
    expect(hours.out).toMatch(/\(24 hours from now\)$/);
    expect(extend.out).toMatch(
      /until 2026-12-07T12:00:00.000Z \(24 hours after its previous end, 2026-12-06T12:00:00.000Z\)$/,
    );
    expect(both.code).toBe(2);
    expect(both.err).toMatch(
      /--hours N \(ends N hours from now\), --extend N \(N hours after its current end\)/,
    );
  });
});
