import { parseArgs } from "node:util";
import type { RequestView } from "@quartermaster/core/contract";
import { ApiClient, resolveApi, UsageError } from "./client";
import { spinnerFrame } from "./format";

/** What a command may touch: output, environment, time, and (in tests) the API client. */
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

const COMMON = {
  api: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function parse<
  T extends Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>,
>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function clientFor(io: Io, api: string | undefined): ApiClient {
  if (io.client) return io.client;
  const target = resolveApi(api, io.env, io.cwd);
  return new ApiClient({ baseUrl: target.url, source: target.source, env: io.env });
}

export function print(io: Io, json: boolean | undefined, value: unknown, human: () => string): void {
  io.out(json ? JSON.stringify(value, null, 2) : human());
}

function describeApproval(view: RequestView): string[] {
  const a = view.approval;
  if (!a) return [];
  const lines = a.decision
    ? [
        `approval ${a.decision}${a.by ? ` by ${a.by}` : ""}${a.at ? ` at ${a.at}` : ""}${a.reason ? `: ${a.reason}` : ""}`,
      ]
    : [
        `waiting for approval by ${a.rule.approvers.join(", ")} until ${a.expiresAt}`,
        `decide with: qm approve ${view.requestId}  or  qm reject ${view.requestId} --reason ...`,
      ];
  for (const r of a.refused) lines.push(`  refused ${r.by} at ${r.at}: ${r.why}`);
  return lines;
}

export function describeRequest(view: RequestView): string {
  const lines = [
    `${view.requestId}  ${view.status}  ${view.request.name} <${view.request.email}>  ${view.request.ou}`,
    ...(view.requester ? [`requested by ${view.requester}`] : []),
    ...describeApproval(view),
    ...(view.accountId ? [`account ${view.accountId}`] : []),
    ...(view.lease
      ? [
          `lease ${view.lease.status} until ${view.lease.expiresAt}${view.lease.closureId ? `  closure ${view.lease.closureId}` : ""}${view.lease.problem ? `  (${view.lease.problem})` : ""}`,
        ]
      : []),
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

export const requestPath = (id: string) => `/accounts/requests/${encodeURIComponent(id)}`;

/** What `qm` prints after the API accepted a vend or a retry. */
export const acceptedNote = (requestId: string, status: string) =>
  `${requestId}  ${status}\nwatch with: qm status ${requestId} --watch`;

export function splitPair(value: string, flag: string): [string, string] {
  const i = value.indexOf("=");
  if (i <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got "${value}"`);
  return [value.slice(0, i), value.slice(i + 1)];
}

export interface WatchOptions<T> {
  /** Reads the current state. */
  read: () => Promise<T>;
  /** Whether the work is still going on (the watch reads again). */
  going: (value: T) => boolean;
  /** One short line of progress, shown on a terminal (stderr) and nowhere else. */
  progress: (value: T) => string;
  /** `--json`: no progress at all. */
  json?: boolean;
  intervalMs?: number;
}

/**
 * Reads until the work ends, showing one line of progress on a terminal (a spinner on stderr,
 * cleared at the end); quiet with `--json` or when stderr is not a terminal. Returns the last state.
 */
export async function watchUntilDone<T>(io: Io, options: WatchOptions<T>): Promise<T> {
  const show = io.isTty && !options.json;
  let value = await options.read();
  let frame = 0;
  while (options.going(value)) {
    if (show) io.err(`\r\x1b[2K${spinnerFrame(frame++)} ${options.progress(value)}`);
    await io.sleep(options.intervalMs ?? 2000);
    value = await options.read();
  }
  if (show && frame > 0) io.err("\r\x1b[2K");
  return value;
}
