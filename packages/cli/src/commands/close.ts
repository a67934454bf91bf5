import type {
  ClosureAccepted,
  ClosureDryRunView,
  ClosurePage,
  ClosureView,
  RequestView,
} from "@quartermaster/core/contract";
import { UsageError } from "../client";
import { table } from "../format";
import { clientFor, type Io, parse, print, requestPath, watchUntilDone } from "../shared";
import { describeRun, waitForRun } from "./cleanup";

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

/** A closure still at work; one waiting hours for AWS's close quota is not watched further. */
const closing = (c: ClosureView) =>
  c.status === "PENDING" || c.status === "CLEANING" || c.status === "CLOSING";

/** `qm close ACCOUNT_ID [--reason R] [--dry-run]` and `qm close status CLOSURE_ID [--watch]`. */
export async function close(args: string[], io: Io): Promise<number> {
  if (args[0] === "status") {
    const { values, positionals } = parse(args.slice(1), { watch: { type: "boolean", short: "w" } });
    const id = positionals[0];
    if (!id) throw new UsageError("qm close status needs a closure id");
    const client = clientFor(io, values.api);
    const read = () => client.request<ClosureView>("GET", closurePath(id));
    const closure = values.watch
      ? await watchUntilDone(io, {
          read,
          going: closing,
          progress: (c) => `${c.closureId} ${c.status} ${c.steps.at(-1)?.name ?? ""}`.trimEnd(),
          json: values.json,
        })
      : await read();
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
  const client = clientFor(io, values.api);
  const res = await client.request<ClosureAccepted | ClosureDryRunView>(
    "POST",
    `/accounts/${encodeURIComponent(accountId)}/close`,
    body,
  );
  if (!("dryRun" in res)) {
    print(
      io,
      values.json,
      res,
      () => `${res.closureId}  ${res.status}\nwatch with: qm close status ${res.closureId} --watch`,
    );
    return 0;
  }
  if (values.json) {
    print(io, true, res, () => "");
    return 0;
  }
  // What would be deleted is the dry run of the account's clean-up: wait for it and show it.
  const run = await waitForRun(io, client, res.cleanupRunId);
  const stacks = (run.accounts ?? []).flatMap((a) => a.regions).reduce((n, r) => n + r.deleted.length, 0);
  io.out(
    [
      `dry run: ${res.accountName} (${res.accountId}) in ${res.ouPath} would be cleaned, closed and moved to ${res.wouldMoveTo}`,
      `${stacks} stacks would be deleted:`,
      describeRun(run),
    ].join("\n"),
  );
  return run.status === "SUCCEEDED" ? 0 : 1;
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

function hoursFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const hours = Number(text);
  if (!Number.isFinite(hours)) throw new UsageError(`--${name} takes a number of hours, got "${text}"`);
  return hours;
}

/**
 * `qm lease REQUEST_ID --hours N`: the lease ends N hours from now (earlier or later than today's end);
 * `--extend N`: N hours later than its current end; `--expires-at ISO`: at that instant.
 */
export async function lease(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    hours: { type: "string" },
    extend: { type: "string" },
    "expires-at": { type: "string" },
  });
  const id = positionals[0];
  if (!id) throw new UsageError("qm lease needs a request id");
  const given = [values.hours, values.extend, values["expires-at"]].filter((v) => v !== undefined);
  if (given.length !== 1)
    throw new UsageError(
      "qm lease takes one of --hours N (ends N hours from now), --extend N (N hours after its current end) or --expires-at ISO",
    );
  const hours = hoursFlag("hours", values.hours);
  const extend = hoursFlag("extend", values.extend);
  const client = clientFor(io, values.api);
  let body: { hours: number } | { expiresAt: string };
  let how: string;
  if (hours !== undefined) {
    body = { hours };
    how = `${hours} hours from now`;
  } else if (extend !== undefined) {
    const current = await client.request<RequestView>("GET", requestPath(id));
    if (!current.lease) throw new UsageError(`request ${id} has no lease to extend`);
    body = { expiresAt: new Date(Date.parse(current.lease.expiresAt) + extend * 3_600_000).toISOString() };
    how = `${extend} hours after its previous end, ${current.lease.expiresAt}`;
  } else {
    body = { expiresAt: values["expires-at"] as string };
    how = "as given";
  }
  const view = await client.request<RequestView>("POST", `${requestPath(id)}/lease`, body);
  print(
    io,
    values.json,
    view,
    () => `${view.requestId}  lease ${view.lease?.status} until ${view.lease?.expiresAt} (${how})`,
  );
  return 0;
}
