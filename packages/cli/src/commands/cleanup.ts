import type { CleanupAccepted, CleanupRunView } from "@quartermaster/core/contract";
import { UsageError } from "../client";
import { table } from "../format";
import { clientFor, type Io, parse, print, watchUntilDone } from "../shared";

const runPath = (id: string) => `/cleanup/runs/${encodeURIComponent(id)}`;

/** One line of a run's progress, from its summary: accounts done, stacks deleted and failed. */
function runProgress(run: CleanupRunView): string {
  const s = run.summary;
  return `${run.runId} ${run.status}${run.dryRun ? " (dry run)" : ""}: ${s.finished}/${s.accounts} accounts done, ${s.deleted} stacks ${run.dryRun ? "would be deleted" : "deleted"}, ${s.failed} failed${s.accountsFailed ? `, ${s.accountsFailed} accounts not cleaned` : ""}`;
}

/** The whole run: every page of its accounts and refusals, read in turn (500 a page). */
export async function readWholeRun(
  client: ReturnType<typeof clientFor>,
  runId: string,
): Promise<CleanupRunView> {
  let page = await client.request<CleanupRunView>("GET", `${runPath(runId)}?limit=500`);
  const accounts = [...page.accounts];
  const refused = [...page.refused];
  while (page.next) {
    page = await client.request<CleanupRunView>(
      "GET",
      `${runPath(runId)}?limit=500&next=${encodeURIComponent(page.next)}`,
    );
    accounts.push(...page.accounts);
    refused.push(...page.refused);
  }
  const { next: _next, ...last } = page;
  return { ...last, accounts, refused };
}

/** Waits for a run to end (progress on a terminal, from the summary alone) and returns it whole. */
export async function waitForRun(
  io: Io,
  client: ReturnType<typeof clientFor>,
  runId: string,
  json?: boolean,
) {
  await watchUntilDone(io, {
    read: () => client.request<CleanupRunView>("GET", `${runPath(runId)}?limit=1`),
    going: (run) => run.status === "RUNNING",
    progress: runProgress,
    json,
    intervalMs: 1000,
  });
  return readWholeRun(client, runId);
}

export function describeRun(run: CleanupRunView): string {
  const rows = (run.accounts ?? []).flatMap((a) =>
    a.regions.flatMap((r) => [
      ...r.failed.map((f) => [a.accountId, r.region, f.stack, "FAILED", f.reason]),
      ...r.deleted.map((d) => [a.accountId, r.region, d, run.dryRun ? "WOULD DELETE" : "DELETED", ""]),
      ...r.skipped.map((s) => [a.accountId, r.region, s.stack, "SKIPPED", s.reason]),
    ]),
  );
  const s = run.summary;
  return [
    `${run.runId}  ${run.status}${run.dryRun ? "  (dry run)" : ""}`,
    `${s.accounts} accounts (${s.accountsFailed} not cleaned), ${s.refused} refused; ${s.deleted} stacks ${run.dryRun ? "would be deleted" : "deleted"}, ${s.skipped} skipped, ${s.failed} failed`,
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
    const run = values.watch ? await waitForRun(io, client, id, values.json) : await readWholeRun(client, id);
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
