import type {
  ClosureAccepted,
  ClosureDryRunView,
  ClosurePage,
  ClosureView,
  RequestView,
} from "@quartermaster/core/contract";
import { UsageError } from "../client";
import { table } from "../format";
import { clientFor, type Io, parse, print, requestPath } from "../shared";

const closurePath = (id: string) => `/closures/${encodeURIComponent(id)}`;

function describeClosure(c: ClosureView): string {
  const lines = [
    `${c.closureId}  ${c.status}  account ${c.accountName} (${c.accountId})  trigger ${c.trigger}${c.reason ? `: ${c.reason}` : ""}`,
    ...c.steps.map(
      (s) =>
        `  ${s.status === "SUCCEEDED" ? "✔" : s.status === "FAILED" ? "✖" : "…"} ${s.name.padEnd(9)} ${s.status}${s.error ? `  ${s.error}` : ""}`,
    ),
  ];
  if (c.status === "WAITING_QUOTA" && c.retryAt)
    lines.push(`waiting on AWS's close quota; trying again at ${c.retryAt}`);
  if (c.cleanupRunId) lines.push(`clean-up: qm cleanup status ${c.cleanupRunId}`);
  for (const r of c.remaining ?? []) lines.push(`  left: ${r.stack} (${r.region}): ${r.reason}`);
  if (c.closedOuPath) lines.push(`moved to ${c.closedOuPath}`);
  if (c.error) lines.push(`error ${c.error.code} at ${c.error.step ?? "?"}: ${c.error.message}`);
  return lines.join("\n");
}

/** `qm close ACCOUNT_ID [--reason R] [--dry-run]` and `qm close status CLOSURE_ID`. */
export async function close(args: string[], io: Io): Promise<number> {
  if (args[0] === "status") {
    const { values, positionals } = parse(args.slice(1), {});
    const id = positionals[0];
    if (!id) throw new UsageError("qm close status needs a closure id");
    const closure = await clientFor(io, values.api).request<ClosureView>("GET", closurePath(id));
    print(io, values.json, closure, () => describeClosure(closure));
    return closure.status === "FAILED" ? 1 : 0;
  }
  const { values, positionals } = parse(args, { reason: { type: "string" }, "dry-run": { type: "boolean" } });
  const accountId = positionals[0];
  if (!accountId) throw new UsageError("qm close needs an account id");
  const body = {
    ...(values.reason ? { reason: values.reason } : {}),
    ...(values["dry-run"] ? { dryRun: true } : {}),
  };
  const res = await clientFor(io, values.api).request<ClosureAccepted | ClosureDryRunView>(
    "POST",
    `/accounts/${encodeURIComponent(accountId)}/close`,
    body,
  );
  print(io, values.json, res, () =>
    "dryRun" in res
      ? `dry run: ${res.accountName} (${res.accountId}) in ${res.ouPath} would be cleaned, closed and moved to ${res.wouldMoveTo}\nwhat would be deleted: qm cleanup status ${res.cleanupRunId}`
      : `${res.closureId}  ${res.status}\nwatch with: qm close status ${res.closureId}`,
  );
  return 0;
}

/** `qm closures [--limit N]`: closures, newest first. */
export async function closures(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { limit: { type: "string" } });
  const page = await clientFor(io, values.api).request<ClosurePage>(
    "GET",
    `/closures${values.limit ? `?limit=${encodeURIComponent(values.limit)}` : ""}`,
  );
  print(io, values.json, page, () =>
    table(
      ["CLOSURE", "STATUS", "ACCOUNT", "NAME", "TRIGGER", "CREATED", "ERROR"],
      page.items.map((c) => [
        c.closureId,
        c.status,
        c.accountId,
        c.accountName,
        c.trigger,
        c.createdAt,
        c.error?.code ?? "",
      ]),
    ),
  );
  return 0;
}

/** `qm lease REQUEST_ID --hours N` (or `--expires-at ISO`): moves an active lease's end. */
export async function lease(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    hours: { type: "string" },
    "expires-at": { type: "string" },
  });
  const id = positionals[0];
  if (!id) throw new UsageError("qm lease needs a request id");
  if ((values.hours === undefined) === (values["expires-at"] === undefined))
    throw new UsageError("qm lease takes --hours N or --expires-at ISO (one of them)");
  const hours = values.hours === undefined ? undefined : Number(values.hours);
  if (hours !== undefined && !Number.isFinite(hours))
    throw new UsageError(`--hours takes a number, got "${values.hours}"`);
  const view = await clientFor(io, values.api).request<RequestView>(
    "POST",
    `${requestPath(id)}/lease`,
    hours !== undefined ? { hours } : { expiresAt: values["expires-at"] },
  );
  print(
    io,
    values.json,
    view,
    () => `${view.requestId}  lease ${view.lease?.status} until ${view.lease?.expiresAt}`,
  );
  return 0;
}
