import type { Skip } from "../store/cleanup-runs/record";

/** What the planner needs to know about one stack. */
export interface StackInfo {
  name: string;
  status: string;
  /** Set for nested stacks: only root stacks are deleted (their nested stacks go with them). */
  parentId?: string;
  terminationProtection: boolean;
  tags: Record<string, string>;
  /** Export names this stack's outputs publish. */
  exports: string[];
  /** Export names this stack's template imports (Fn::ImportValue). */
  imports: string[];
}

export interface DeletionPlan {
  /** Stacks to delete, in order: every importer before the stack it imports from. */
  delete: string[];
  skipped: Skip[];
  /** Stacks that cannot be deleted safely (dependency cycles, importers that must stay). */
  failed: Skip[];
}

/** Name patterns that are always protected (StackSet instances, Control Tower, the CDK bootstrap). */
export const BUILT_IN_PROTECTED = ["StackSet-*", "aws-controltower-*", "CDKToolkit"];
export const PROTECT_TAG = "quartermaster:protect";

/** `*` wildcards only; everything else matches literally. */
export function matchesPattern(name: string, pattern: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`).test(name);
}

/** Why a stack must never be deleted, or undefined when it may be. */
export function protectionReason(stack: StackInfo, extraPatterns: string[]): string | undefined {
  const builtIn = BUILT_IN_PROTECTED.find((p) => matchesPattern(stack.name, p));
  if (builtIn) return `protected name (${builtIn})`;
  if (stack.terminationProtection) return "termination protection is enabled";
  // People type tags by hand: " True", "TRUE" and "true " protect as "true" does.
  if (stack.tags[PROTECT_TAG]?.trim().toLowerCase() === "true") return `tagged ${PROTECT_TAG}=true`;
  const configured = extraPatterns.find((p) => matchesPattern(stack.name, p));
  if (configured) return `protected by configured pattern ${configured}`;
  return undefined;
}

/**
 * Plans the deletion of an account-region's stacks: skips protected and nested stacks,
 * orders importers before exporters, and reports cycles as failed instead of looping.
 */
export function planDeletions(stacks: StackInfo[], options: { protectPatterns: string[] }): DeletionPlan {
  const skipped: Skip[] = [];
  const failed: Skip[] = [];
  const candidates = new Map<string, StackInfo>();
  for (const stack of stacks) {
    if (stack.parentId) {
      skipped.push({ stack: stack.name, reason: "nested stack: deleted with its root stack" });
      continue;
    }
    const reason = protectionReason(stack, options.protectPatterns);
    if (reason) skipped.push({ stack: stack.name, reason });
    else candidates.set(stack.name, stack);
  }

  const exporterOf = new Map<string, string>();
  for (const stack of stacks) for (const name of stack.exports) exporterOf.set(name, stack.name);
  // importers.get(X) = stacks importing from X; all of them must be gone before X can go.
  const importers = new Map<string, Set<string>>();
  for (const stack of stacks) {
    for (const imported of stack.imports) {
      const exporter = exporterOf.get(imported);
      if (!exporter || exporter === stack.name) continue;
      if (!importers.has(exporter)) importers.set(exporter, new Set());
      importers.get(exporter)?.add(stack.name);
    }
  }

  const order: string[] = [];
  // done: deletable, in `order`; kept: stays on purpose, because a stack importing from it
  // (directly or down a chain) is protected or nested, so it is skipped, not failed, and a
  // healthy night is not PARTIAL forever; failed: a cycle, or an importer that failed.
  type Outcome = "done" | "kept" | "failed";
  const outcome = new Map<string, Outcome | "visiting">();
  const why = new Map<string, string>();

  // Depth-first: a stack is placed after all of its importers; a back edge is a cycle.
  const visit = (name: string, path: string[]): Outcome => {
    const seen = outcome.get(name);
    if (seen === "visiting") {
      const cycle = [...path.slice(path.indexOf(name)), name];
      for (const member of cycle) why.set(member, `dependency cycle: ${cycle.join(" -> ")}`);
      return "failed";
    }
    if (seen) return seen;
    outcome.set(name, "visiting");
    let result: Outcome = "done";
    for (const importer of [...(importers.get(name) ?? [])].sort()) {
      // An importer that is not a candidate is skipped (protected or nested): kept on purpose.
      const theirs = candidates.has(importer) ? visit(importer, [...path, name]) : "kept";
      if (theirs === "done") continue;
      if (theirs === "failed" && result !== "failed") {
        result = "failed";
        if (!why.has(name)) why.set(name, `imported by ${importer}, which cannot be deleted`);
      }
      if (theirs === "kept" && result === "done") {
        result = "kept";
        why.set(name, `kept: exports values imported by ${importer}, which is kept`);
      }
    }
    if (result === "failed" && why.get(name)?.startsWith("kept:")) {
      why.set(name, `imported by a stack that cannot be deleted`);
    }
    outcome.set(name, result);
    if (result === "done") order.push(name);
    return result;
  };

  for (const name of [...candidates.keys()].sort()) visit(name, []);
  for (const name of [...candidates.keys()].sort()) {
    const result = outcome.get(name);
    const entry = { stack: name, reason: why.get(name) ?? "cannot be deleted safely" };
    if (result === "kept") skipped.push(entry);
    if (result === "failed") failed.push(entry);
  }
  return { delete: order, skipped, failed };
}
