import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { PlanView } from "@quartermaster/core/baseline/run";
import type { Change } from "@quartermaster/core/store/baseline-plans";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { UsageError } from "../client";
import { clientFor, type Io, parse, print, watchUntilDone } from "../shared";

const planPath = (id: string) => `/baseline/plans/${encodeURIComponent(id)}`;

/** A document file, YAML or JSON (YAML reads both); a key written twice is an input error, as the API's. */
export function readDocument(io: Io, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, file), "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    throw new UsageError(`${file} is not valid YAML or JSON: ${(error as Error).message}`);
  }
}

/** A value on one line, as a plan shows it. */
const shown = (value: unknown) => (value === undefined ? "(none)" : JSON.stringify(value));

/** One line per change, one per field of an update: `+` create, `~` update, `-` delete, as `terraform plan`. */
export function changeLines(change: Change): string[] {
  if (change.action === "create") return [`+ ${change.key}`];
  if (change.action === "delete") return [`- ${change.key}`];
  return (change.fields ?? []).map(
    (f) => `~ ${change.key} ${f.field}: ${shown(f.before)} -> ${shown(f.after)}`,
  );
}

/** The plan as a person reads it. */
export function describePlan(plan: PlanView): string {
  const s = plan.summary;
  if (plan.status === "FAILED")
    return `Plan ${plan.planId} FAILED: ${plan.error?.message ?? "see its execution"}`;
  const lines = plan.changes.flatMap(changeLines).map((line) => `  ${line}`);
  const out = [
    lines.length === 0
      ? `Plan ${plan.planId}: no changes. The organisation matches the document (${s.unchanged} unchanged).`
      : `Plan ${plan.planId}: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.${plan.prune ? " (prune)" : ""}`,
  ];
  if (lines.length > 0) out.push("", ...lines);
  if (plan.refused.length > 0)
    out.push("", "Refused:", ...plan.refused.map((r) => `  ! ${r.key}: ${r.reason}`));
  if (s.unmanaged > 0)
    out.push(
      "",
      `${s.unmanaged} unmanaged (in AWS, not in the document; left alone${plan.prune ? "" : ", or deleted only with --prune"}).`,
    );
  if (plan.status === "READY" && plan.changes.length > 0)
    out.push("", `Apply with: qm baseline apply ${plan.planId} --wait`);
  if (plan.status === "APPLIED") out.push("", `Applied at ${plan.appliedAt}.`);
  return out.join("\n");
}

/** Every page of a plan's changes. */
async function wholePlan(client: ReturnType<typeof clientFor>, planId: string): Promise<PlanView> {
  let page = await client.request<PlanView>("GET", `${planPath(planId)}?limit=1000`);
  const changes = [...page.changes];
  while (page.next) {
    page = await client.request<PlanView>(
      "GET",
      `${planPath(planId)}?limit=1000&next=${encodeURIComponent(page.next)}`,
    );
    changes.push(...page.changes);
  }
  const { next: _next, ...last } = page;
  return { ...last, changes };
}

const BASELINE_USAGE =
  "qm baseline plan FILE [--prune] [--json] | apply PLAN_ID [--wait] | show | export [--json]";

/** `qm baseline plan|apply|show|export`. */
export async function baseline(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    prune: { type: "boolean" },
    wait: { type: "boolean" },
  });
  const [action, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(" ")}; usage: ${BASELINE_USAGE}`);
  const client = clientFor(io, values.api);
  switch (action) {
    case "plan": {
      if (!target) throw new UsageError(`qm baseline plan needs a FILE; usage: ${BASELINE_USAGE}`);
      const document = readDocument(io, target);
      const accepted = await client.request<{ planId: string }>("POST", "/baseline/plans", {
        baseline: document,
        prune: values.prune ?? false,
      });
      await watchUntilDone(io, {
        read: () => client.request<PlanView>("GET", `${planPath(accepted.planId)}?limit=1`),
        going: (plan) => plan.status === "PLANNING",
        progress: (plan) => `${plan.planId} reading the organisation`,
        json: values.json,
        intervalMs: 1000,
      });
      const plan = await wholePlan(client, accepted.planId);
      print(io, values.json, plan, () => describePlan(plan));
      return plan.status === "FAILED" ? 1 : 0;
    }
    case "apply": {
      if (!target) throw new UsageError(`qm baseline apply needs a PLAN_ID; usage: ${BASELINE_USAGE}`);
      const started = await client.request<PlanView>("POST", `${planPath(target)}/apply`, {});
      const plan = values.wait
        ? await watchUntilDone(io, {
            read: () => client.request<PlanView>("GET", `${planPath(target)}?limit=1`),
            going: (p) => p.status === "APPLYING",
            progress: (p) => `${p.planId} applying: ${p.progress.done}/${p.progress.total} changes`,
            json: values.json,
            intervalMs: 1000,
          })
        : started;
      print(io, values.json, plan, () =>
        plan.status === "APPLIED"
          ? `${plan.planId} APPLIED: ${plan.progress.total} change(s)`
          : plan.status === "FAILED"
            ? `${plan.planId} FAILED after ${plan.progress.done}/${plan.progress.total} change(s): ${plan.error?.message ?? ""}`
            : `${plan.planId} ${plan.status}\nwatch with: qm baseline apply ${plan.planId} --wait  (or GET ${planPath(plan.planId)})`,
      );
      return plan.status === "FAILED" ? 1 : 0;
    }
    case "show": {
      const current = await client.request<{ planId: string; appliedAt: string; baseline: unknown }>(
        "GET",
        "/baseline",
      );
      print(
        io,
        values.json,
        current,
        () =>
          `# applied by plan ${current.planId} at ${current.appliedAt}\n${toYaml(current.baseline).trimEnd()}`,
      );
      return 0;
    }
    case "export": {
      const exported = await client.request<{ baseline: unknown }>("GET", "/baseline/export");
      print(io, values.json, exported.baseline, () => toYaml(exported.baseline).trimEnd());
      return 0;
    }
    default:
      throw new UsageError(`usage: ${BASELINE_USAGE}`);
  }
}
