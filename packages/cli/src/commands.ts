import { parseArgs } from "node:util";
import type {
  CleanupAccepted,
  CleanupRunView,
  RequestPage,
  RequestView,
  VendAccepted,
} from "@quartermaster/core/contract";
import { ApiClient, ApiError, resolveApiUrl, UsageError } from "./client";
import { parseDuration, spinnerFrame, table } from "./format";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  isTty: boolean;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
  client?: ApiClient;
}

export const USAGE = `qm: Quartermaster operator CLI

  qm vend --name N --email E --ou PATH [--access GROUP=PS1,PS2]... [--budget USD] [--tag k=v]... [--idempotency-key K]
  qm status ID [--watch]
  qm list [--status PENDING|RUNNING|SUCCEEDED|FAILED] [--limit N]
  qm retry ID
  qm retry --all-failed [--since 24h]
  qm cleanup [--dry-run] [--account ID]... [--wait]
  qm cleanup status RUN_ID

Options: --api URL (else QM_API_URL, else the deployed stage's outputs), --json.
Exit codes: 0 success, 1 the request failed, 2 usage or validation error.`;

const COMMON = {
  api: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function parse<T extends Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>>(
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function clientFor(io: Io, api: string | undefined): ApiClient {
  return io.client ?? new ApiClient({ baseUrl: resolveApiUrl(api, io.env, io.cwd), env: io.env });
}

function print(io: Io, json: boolean | undefined, value: unknown, human: () => string): void {
  io.out(json ? JSON.stringify(value, null, 2) : human());
}

function describeRequest(view: RequestView): string {
  const lines = [
    `${view.requestId}  ${view.status}  ${view.request.name} <${view.request.email}>  ${view.request.ou}`,
    ...(view.accountId ? [`account ${view.accountId}`] : []),
    ...view.steps.map(
      (s) =>
        `  ${s.status === "SUCCEEDED" ? "✔" : s.status === "FAILED" ? "✖" : "…"} ${s.name.padEnd(14)} ${s.status}${s.error ? `  ${s.error}` : ""}`,
    ),
  ];
  if (view.error)
    lines.push(
      `error ${view.error.code}${view.error.step ? ` at ${view.error.step}` : ""}: ${view.error.message}`,
      `retry with: qm retry ${view.requestId}`,
    );
  return lines.join("\n");
}

const requestPath = (id: string) => `/accounts/requests/${encodeURIComponent(id)}`;

/** What `qm` prints after the API accepted a vend or a retry. */
const acceptedNote = (requestId: string, status: string) =>
  `${requestId}  ${status}\nwatch with: qm status ${requestId} --watch`;

function splitPair(value: string, flag: string): [string, string] {
  const i = value.indexOf("=");
  if (i <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got "${value}"`);
  return [value.slice(0, i), value.slice(i + 1)];
}

async function vend(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    name: { type: "string" },
    email: { type: "string" },
    ou: { type: "string" },
    access: { type: "string", multiple: true },
    budget: { type: "string" },
    tag: { type: "string", multiple: true },
    "idempotency-key": { type: "string" },
  });
  for (const flag of ["name", "email", "ou"] as const)
    if (!values[flag]) throw new UsageError(`qm vend needs --${flag}`);
  const access = (values.access ?? []).map((a) => {
    const [group, sets] = splitPair(a, "--access");
    return { group, permissionSets: sets.split(",").filter(Boolean) };
  });
  const budget = values.budget === undefined ? undefined : Number(values.budget);
  if (budget !== undefined && !Number.isFinite(budget))
    throw new UsageError(`--budget takes a number of USD, got "${values.budget}"`);
  const body = {
    name: values.name,
    email: values.email,
    ou: values.ou,
    ...(access.length ? { access } : {}),
    ...(budget !== undefined ? { budget: { monthlyLimitUsd: budget } } : {}),
    ...(values.tag?.length ? { tags: Object.fromEntries(values.tag.map((t) => splitPair(t, "--tag"))) } : {}),
  };
  const key = values["idempotency-key"];
  const res = await clientFor(io, values.api).request<VendAccepted>(
    "POST",
    "/accounts",
    body,
    key ? { "idempotency-key": key } : {},
  );
  print(io, values.json, res, () => acceptedNote(res.requestId, res.status));
  return 0;
}

async function status(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { watch: { type: "boolean", short: "w" } });
  const id = positionals[0];
  if (!id) throw new UsageError("qm status needs a request id");
  const client = clientFor(io, values.api);
  const path = requestPath(id);
  let view = await client.request<RequestView>("GET", path);
  let frame = 0;
  let lastReported = "";
  while (values.watch && (view.status === "PENDING" || view.status === "RUNNING")) {
    const current = view.steps.map((s) => `${s.name}:${s.status}`).join(",");
    if (io.isTty && !values.json)
      io.err(`\r${spinnerFrame(frame++)} ${view.status} ${view.steps.at(-1)?.name ?? "queued"}`);
    else if (current !== lastReported && !values.json) io.out(describeRequest(view));
    lastReported = current;
    await io.sleep(2000);
    view = await client.request<RequestView>("GET", path);
  }
  if (io.isTty && values.watch && !values.json) io.err("\r");
  print(io, values.json, view, () => describeRequest(view));
  return view.status === "FAILED" ? 1 : 0;
}

async function list(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { status: { type: "string" }, limit: { type: "string" } });
  const query = new URLSearchParams();
  if (values.status) query.set("status", values.status.toUpperCase());
  if (values.limit) query.set("limit", values.limit);
  const page = await clientFor(io, values.api).request<RequestPage>(
    "GET",
    `/accounts/requests${query.size ? `?${query}` : ""}`,
  );
  print(io, values.json, page, () =>
    table(
      ["REQUEST", "STATUS", "NAME", "ACCOUNT", "CREATED", "ERROR"],
      page.items.map((r) => [
        r.requestId,
        r.status,
        r.request.name,
        r.accountId ?? "",
        r.createdAt,
        r.error?.code ?? "",
      ]),
    ),
  );
  return 0;
}

async function allFailed(client: ApiClient, sinceMs: number | undefined, now: Date): Promise<RequestView[]> {
  const failed: RequestView[] = [];
  let next: string | undefined;
  do {
    const q = new URLSearchParams({ status: "FAILED", limit: "100", ...(next ? { next } : {}) });
    const page = await client.request<RequestPage>("GET", `/accounts/requests?${q}`);
    failed.push(
      ...page.items.filter(
        (r) => sinceMs === undefined || now.getTime() - Date.parse(r.createdAt) <= sinceMs,
      ),
    );
    next = page.next;
  } while (next);
  return failed;
}

async function retry(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    "all-failed": { type: "boolean" },
    since: { type: "string" },
  });
  const client = clientFor(io, values.api);
  if (values["all-failed"]) {
    let sinceMs: number | undefined;
    try {
      sinceMs = values.since ? parseDuration(values.since) : undefined;
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const targets = await allFailed(client, sinceMs, io.now());
    const results: { requestId: string; status: string; error?: string }[] = [];
    for (const target of targets) {
      try {
        const view = await client.request<RequestView>("POST", `${requestPath(target.requestId)}/retry`);
        results.push({ requestId: view.requestId, status: view.status });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        results.push({ requestId: target.requestId, status: "NOT_RETRIED", error: error.message });
      }
    }
    print(io, values.json, results, () =>
      results.length
        ? table(
            ["REQUEST", "STATUS", "NOTE"],
            results.map((r) => [r.requestId, r.status, r.error ?? ""]),
          )
        : "no failed requests",
    );
    return results.some((r) => r.status === "NOT_RETRIED") ? 1 : 0;
  }
  const id = positionals[0];
  if (!id) throw new UsageError("qm retry needs a request id, or --all-failed");
  const view = await client.request<RequestView>("POST", `${requestPath(id)}/retry`);
  print(io, values.json, view, () => acceptedNote(view.requestId, view.status));
  return 0;
}

function describeRun(run: CleanupRunView): string {
  const rows = (run.accounts ?? []).flatMap((a) =>
    a.regions.flatMap((r) => [
      ...r.failed.map((f) => [a.accountId, r.region, f.stack, "FAILED", f.reason]),
      ...r.deleted.map((d) => [a.accountId, r.region, d, run.dryRun ? "WOULD DELETE" : "DELETED", ""]),
      ...r.skipped.map((s) => [a.accountId, r.region, s.stack, "SKIPPED", s.reason]),
    ]),
  );
  return [
    `${run.runId}  ${run.status}${run.dryRun ? "  (dry run)" : ""}`,
    rows.length ? table(["ACCOUNT", "REGION", "STACK", "ACTION", "REASON"], rows) : "",
  ]
    .filter(Boolean)
    .join("\n");
}

async function cleanup(args: string[], io: Io): Promise<number> {
  if (args[0] === "status") {
    const { values, positionals } = parse(args.slice(1), {});
    const id = positionals[0];
    if (!id) throw new UsageError("qm cleanup status needs a run id");
    const run = await clientFor(io, values.api).request<CleanupRunView>(
      "GET",
      `/cleanup/runs/${encodeURIComponent(id)}`,
    );
    print(io, values.json, run, () => describeRun(run));
    return run.status === "FAILED" || run.status === "PARTIAL" ? 1 : 0;
  }
  const { values } = parse(args, {
    "dry-run": { type: "boolean" },
    account: { type: "string", multiple: true },
    wait: { type: "boolean", short: "w" },
  });
  const body = {
    dryRun: values["dry-run"] ?? false,
    ...(values.account?.length ? { accounts: values.account } : {}),
  };
  const client = clientFor(io, values.api);
  const res = await client.request<CleanupAccepted>("POST", "/cleanup/runs", body);
  if (!values.wait) {
    const note = `${res.runId}  started${body.dryRun ? " (dry run)" : ""}\nsee: qm cleanup status ${res.runId}`;
    print(io, values.json, res, () => note);
    return 0;
  }
  const path = `/cleanup/runs/${encodeURIComponent(res.runId)}`;
  let run = await client.request<CleanupRunView>("GET", path);
  while (run.status === "RUNNING") {
    await io.sleep(1000);
    run = await client.request<CleanupRunView>("GET", path);
  }
  print(io, values.json, run, () => describeRun(run));
  return run.status === "SUCCEEDED" ? 0 : 1;
}

/** Runs one CLI invocation and returns its exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "vend":
        return await vend(rest, io);
      case "status":
        return await status(rest, io);
      case "list":
        return await list(rest, io);
      case "retry":
        return await retry(rest, io);
      case "cleanup":
        return await cleanup(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`qm: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ApiError) {
      const details = error.details.map((d) => `  ${d.path}: ${d.message}`).join("\n");
      io.err(`qm: ${error.status} ${error.code}: ${error.message}${details ? `\n${details}` : ""}`);
      return error.status === 400 ||
        error.status === 404 ||
        error.status === 409 ||
        error.status === 413 ||
        error.status === 415 ||
        error.status === 422
        ? 2
        : 1;
    }
    const cause = (error as Error).cause as { code?: string; message?: string } | undefined;
    io.err(`qm: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`);
    return 1;
  }
}
