import type { DriftCheckView, DriftRepairView } from "@quartermaster/core/contract";
import type { Change } from "@quartermaster/core/store/baseline-plans";
import { UsageError } from "../client";
import { clientFor, type Io, parse, print, watchUntilDone } from "../shared";
import { changeLines } from "./baseline";

const checkPath = (id: string) => `/drift/checks/${encodeURIComponent(id)}`;
const repairPath = (id: string) => `/drift/repairs/${encodeURIComponent(id)}`;

const DRIFT_USAGE = "qm drift [--wait] | status CHECK_ID | repair CHECK_ID [--account ID]...";

/** A finding's value on one line: `(none)` where AWS holds nothing. */
const shown = (value: unknown) => (value === null || value === undefined ? "(none)" : JSON.stringify(value));

/** The whole check: every page of its drifted and excluded accounts. */
async function wholeCheck(client: ReturnType<typeof clientFor>, checkId: string): Promise<DriftCheckView> {
  let page = await client.request<DriftCheckView>("GET", `${checkPath(checkId)}?limit=1000`);
  const accounts = [...page.accounts];
  const excluded = [...page.excluded];
  while (page.next) {
    page = await client.request<DriftCheckView>(
      "GET",
      `${checkPath(checkId)}?limit=1000&next=${encodeURIComponent(page.next)}`,
    );
    accounts.push(...page.accounts);
    excluded.push(...page.excluded);
  }
  const { next: _next, ...last } = page;
  return { ...last, accounts, excluded };
}

/** The report as an operator reads it: each drifted account's findings, the exclusions, the baseline's changes. */
export function describeCheck(check: DriftCheckView): string {
  const s = check.summary;
  const out = [
    `Drift check ${check.checkId} ${check.status}: ${s.checked} checked, ${s.drifted} drifted, ${s.excluded} excluded.`,
  ];
  if (check.error) out.push(`  error: ${check.error.code}: ${check.error.message}`);
  for (const a of check.accounts) {
    out.push("", `${a.accountName} (${a.accountId}), request ${a.requestId}`);
    for (const f of a.findings)
      out.push(`  ${f.kind} ${f.key}: expected ${shown(f.expected)}, actual ${shown(f.actual)}`);
  }
  if (check.excluded.length > 0)
    out.push("", "Not checked:", ...check.excluded.map((e) => `  ${e.accountId}: ${e.reason}`));
  const b = check.baseline;
  if (b.planId) {
    const changes = (b.changes as Change[]).flatMap(changeLines).map((line) => `  ${line}`);
    const sum = b.summary;
    out.push(
      "",
      sum && changes.length > 0
        ? `Baseline: ${sum.create} to create, ${sum.update} to update, ${sum.delete} to delete (plan ${b.planId}, ${b.status}).`
        : `Baseline: ${b.status === "READY" ? "no drift" : b.status} (plan ${b.planId}).`,
      ...changes,
    );
    if (changes.length > 0) out.push(`  Put the baseline back with: qm baseline apply ${b.planId} --wait`);
  } else out.push("", b.error ? `Baseline: not read: ${b.error.message}` : "Baseline: none applied yet.");
  if (check.accounts.length > 0) out.push("", `Repair with: qm drift repair ${check.checkId}`);
  return out.join("\n");
}

export function describeRepair(repair: DriftRepairView): string {
  const out = [
    `Drift repair ${repair.repairId} ${repair.status}: ${repair.repaired.length} repaired, ${repair.skipped.length} skipped, ${repair.failed.length} failed.`,
  ];
  for (const a of repair.actions)
    out.push(`  repaired ${a.accountId}: ${a.actions.length ? a.actions.join("; ") : "nothing left to do"}`);
  for (const s of repair.skipped) out.push(`  skipped ${s.accountId}: ${s.reason}`);
  for (const f of repair.failed) out.push(`  failed ${f.accountId}: ${f.reason}`);
  if (repair.error) out.push(`  error: ${repair.error.code}: ${repair.error.message}`);
  return out.join("\n");
}

/** `qm drift [--wait]`, `qm drift status ID`, `qm drift repair ID [--account ID]...`. */
export async function drift(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    wait: { type: "boolean" },
    account: { type: "string", multiple: true },
  });
  const [action, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(" ")}; usage: ${DRIFT_USAGE}`);
  const client = clientFor(io, values.api);
  const waitForCheck = (checkId: string) =>
    watchUntilDone(io, {
      read: () => client.request<DriftCheckView>("GET", `${checkPath(checkId)}?limit=1`),
      going: (c) => c.status === "RUNNING",
      progress: (c) => `${c.checkId} checking: ${c.summary.checked} checked, ${c.summary.drifted} drifted`,
      json: values.json,
      intervalMs: 1000,
    });
  switch (action) {
    case undefined: {
      if (values.account) throw new UsageError(`--account is for qm drift repair; usage: ${DRIFT_USAGE}`);
      const started = await client.request<{ checkId: string; status: string }>("POST", "/drift/checks", {});
      if (!values.wait) {
        print(
          io,
          values.json,
          started,
          () =>
            `${started.checkId} ${started.status}\nwatch with: qm drift status ${started.checkId}  (or qm drift --wait)`,
        );
        return 0;
      }
      await waitForCheck(started.checkId);
      const check = await wholeCheck(client, started.checkId);
      print(io, values.json, check, () => describeCheck(check));
      return check.status === "FAILED" ? 1 : 0;
    }
    case "status": {
      if (!target) throw new UsageError(`qm drift status needs a CHECK_ID; usage: ${DRIFT_USAGE}`);
      if (values.wait) await waitForCheck(target);
      const check = await wholeCheck(client, target);
      print(io, values.json, check, () => describeCheck(check));
      return check.status === "FAILED" ? 1 : 0;
    }
    case "repair": {
      if (!target) throw new UsageError(`qm drift repair needs a CHECK_ID; usage: ${DRIFT_USAGE}`);
      const started = await client.request<{ repairId: string }>(
        "POST",
        `${checkPath(target)}/repair`,
        values.account ? { accounts: values.account } : {},
      );
      // A repair ends in minutes (assignments take seconds each): the command waits and reports each account.
      const repair = await watchUntilDone(io, {
        read: () => client.request<DriftRepairView>("GET", repairPath(started.repairId)),
        going: (r) => r.status === "RUNNING",
        progress: (r) =>
          `${r.repairId} repairing: ${r.repaired.length} repaired, ${r.skipped.length} skipped`,
        json: values.json,
        intervalMs: 1000,
      });
      print(io, values.json, repair, () => describeRepair(repair));
      return repair.status === "FAILED" || repair.failed.length > 0 ? 1 : 0;
    }
    default:
      throw new UsageError(`usage: ${DRIFT_USAGE}`);
  }
}
