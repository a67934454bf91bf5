import type { CleanupAccepted, CleanupRunView } from "@quartermaster/core/contract";
import { UsageError } from "../client";
import { table } from "../format";
import { clientFor, type Io, parse, print, watchUntilDone } from "../shared";

const runPath = (id: string) => `/cleanup/runs/${encodeURIComponent(id)}`;

/** One line of a run's progress: accounts reported so far, stacks deleted and failed. */
function runProgress(run: CleanupRunView): string {
  const regions = (run.accounts ?? []).flatMap((a) => a.regions);
  const deleted = regions.reduce((n, r) => n + r.deleted.length, 0);
  const failed = regions.reduce((n, r) => n + r.failed.length, 0);
  return `${run.runId} ${run.status}${run.dryRun ? " (dry run)" : ""}: ${(run.accounts ?? []).length} accounts reported, ${deleted} stacks ${run.dryRun ? "would be deleted" : "deleted"}, ${failed} failed`;
}

/** Waits for a run to end (progress on a terminal) and returns it. */
export function waitForRun(io: Io, client: ReturnType<typeof clientFor>, runId: string, json?: boolean) {
  return watchUntilDone(io, {
    read: () => client.request<CleanupRunView>("GET", runPath(runId)),
    going: (run) => run.status === "RUNNING",
    progress: runProgress,
    json,
    intervalMs: 1000,
  });
}

export function describeRun(run: CleanupRunView): string {
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

/** `qm cleanup` and `qm cleanup status RUN_ID [--watch]`. */
export async function cleanup(args: string[], io: Io): Promise<number> {
  if (args[0] === "status") {
    const { values, positionals } = parse(args.slice(1), { watch: { type: "boolean", short: "w" } });
    const id = positionals[0];
    if (!id) throw new UsageError("qm cleanup status needs a run id");
    const client = clientFor(io, values.api);
    const run = values.watch
      ? await waitForRun(io, client, id, values.json)
      : await client.request<CleanupRunView>("GET", runPath(id));
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
    const note = `${res.runId}  started${body.dryRun ? " (dry run)" : ""}\nwatch with: qm cleanup status ${res.runId} --watch`;
    print(io, values.json, res, () => note);
    return 0;
  }
  const run = await waitForRun(io, client, res.runId, values.json);
  print(io, values.json, run, () => describeRun(run));
  return run.status === "SUCCEEDED" ? 0 : 1;
}
