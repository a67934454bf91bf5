import type { CleanupAccepted, CleanupRunView } from "@quartermaster/core/contract";
import { UsageError } from "../client";
import { table } from "../format";
import { clientFor, type Io, parse, print } from "../shared";

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

/** `qm cleanup` and `qm cleanup status RUN_ID`. */
export async function cleanup(args: string[], io: Io): Promise<number> {
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
