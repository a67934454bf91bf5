/**
 * The import graph of a source folder and the checks on it: circles between files and between
 * units (a folder, or a file at the top), imports that run up the documented order, and imports
 * that leave the folder. `test/architecture/layers.test.ts` runs them on `packages/core/src`
 * against the order at the top of `docs/architecture.md`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

export interface ImportEdge {
  /** Both relative to the root, with `/` separators. */
  from: string;
  to: string;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
  /** Imports that leave the root: a relative path outside it, or a workspace package. */
  outward: { from: string; specifier: string }[];
}

/** Workspace packages core must never import (it sits below all of them). */
const OUTWARD_PACKAGES = /^@(quartermaster\/(?!core\/)|test\/)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier).replace(/\.js$/, "");
  return [`${base}.ts`, join(base, "index.ts")].find((c) => existsSync(c) && statSync(c).isFile());
}

/** Every import of every non-test TypeScript file under `root`, `import type` and re-exports included. */
export function importGraph(root: string): ImportGraph {
  const abs = resolve(root);
  const name = (path: string) => relative(abs, path).split(sep).join("/");
  const files = sourceFiles(abs);
  const edges: ImportEdge[] = [];
  const outward: ImportGraph["outward"] = [];
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith(".")) {
        if (OUTWARD_PACKAGES.test(specifier)) outward.push({ from: name(file), specifier });
        continue;
      }
      const target = resolveRelative(file, specifier);
      if (!target || relative(abs, target).startsWith("..")) {
        outward.push({ from: name(file), specifier });
        continue;
      }
      edges.push({ from: name(file), to: name(target) });
    }
  }
  return { files: files.map(name).sort(), edges, outward };
}

/** The unit a file belongs to: its top folder (`store/`), or the file itself when it sits at the top. */
export function unitOf(file: string): string {
  const slash = file.indexOf("/");
  return slash === -1 ? file : file.slice(0, slash + 1);
}

/** The strongly connected components with more than one member (or a member importing itself). */
export function circles(edges: { from: string; to: string }[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the call stack.
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; child: number }[] = [{ node: start, child: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    for (let top = work.at(-1); top !== undefined; top = work.at(-1)) {
      const node = top.node;
      const child = (next.get(node) ?? [])[top.child++];
      if (child !== undefined) {
        if (!index.has(child)) {
          index.set(child, counter);
          low.set(child, counter++);
          stack.push(child);
          onStack.add(child);
          work.push({ node: child, child: 0 });
        } else if (onStack.has(child)) {
          low.set(node, Math.min(low.get(node) ?? 0, index.get(child) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1)?.node;
      if (parent !== undefined) low.set(parent, Math.min(low.get(parent) ?? 0, low.get(node) ?? 0));
      if (low.get(node) !== index.get(node)) continue;
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (next.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) found.push(component.sort());
    }
  }
  return found;
}

/** Edges between units, one per pair, for the folder-level circle check. */
export function unitEdges(edges: ImportEdge[]): ImportEdge[] {
  const pairs = new Map<string, ImportEdge>();
  for (const e of edges) {
    const from = unitOf(e.from);
    const to = unitOf(e.to);
    if (from !== to) pairs.set(`${from} ${to}`, { from, to });
  }
  return [...pairs.values()];
}

/**
 * The numbered list under the `## Layers` heading, top first: each item's backquoted names are one
 * line of the order (`1. \`runtime.ts\`: ...`).
 */
export function parseLayers(markdown: string): string[][] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.trim() === "## Layers");
  if (start === -1) throw new Error("no '## Layers' section");
  const layers: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("## ")) break;
    const item = /^\d+\.\s+([^:]*)/.exec(line)?.[1];
    if (item === undefined) continue;
    const names = [...item.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1] ?? []);
    if (names.length > 0) layers.push(names);
  }
  return layers;
}

export interface LayerViolation {
  from: string;
  to: string;
  why: "up" | "sideways" | "unlisted";
}

/**
 * Imports that break the order: to a unit on a higher line (up), to another unit on the same line
 * (sideways), or from or to a unit the order does not list. `layers` is top first.
 */
export function layerViolations(edges: ImportEdge[], layers: string[][]): LayerViolation[] {
  const line = new Map<string, number>();
  layers.forEach((names, i) => {
    for (const name of names) line.set(name, i);
  });
  const violations: LayerViolation[] = [];
  for (const { from, to } of edges) {
    const a = unitOf(from);
    const b = unitOf(to);
    if (a === b) continue;
    const la = line.get(a);
    const lb = line.get(b);
    if (la === undefined || lb === undefined) violations.push({ from, to, why: "unlisted" });
    else if (lb < la) violations.push({ from, to, why: "up" });
    else if (lb === la) violations.push({ from, to, why: "sideways" });
  }
  return violations;
}
