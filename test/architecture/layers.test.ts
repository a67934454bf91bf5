import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { circles, importGraph, layerViolations, parseLayers, unitEdges, unitOf } from "../support/layers";

const CORE = "packages/core/src";
const graph = importGraph(CORE);
const layers = parseLayers(readFileSync("docs/architecture.md", "utf8"));

const show = (edges: { from: string; to: string }[]) => edges.map((e) => `${e.from} -> ${e.to}`);

describe("core's layers", () => {
  it("have no import circle between files, types included", () => {
    expect(graph.edges.length).toBeGreaterThan(100);
    expect(circles(graph.edges)).toEqual([]);
  });

  it("have no import circle between folders", () => {
    expect(circles(unitEdges(graph.edges))).toEqual([]);
  });

  it("only point down the order docs/architecture.md lists, never sideways", () => {
    expect(layerViolations(graph.edges, layers).map((v) => `${v.why}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it("import nothing from outside core (functions, local, cli, stacks, tests)", () => {
    expect(graph.outward).toEqual([]);
  });

  it("are listed exactly: every folder and top-level file of core, each once, nothing that does not exist", () => {
    const listed = layers.flat();
    const present = readdirSync(CORE, { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")))
      .map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...present].sort());
    expect(new Set(graph.files.map(unitOf))).toEqual(new Set(present));
  });

  it("are the folders the README's code map lists, in the same order", () => {
    const readme = readFileSync("README.md", "utf8");
    const map = readme.slice(readme.indexOf("## Code map"), readme.indexOf("## Deploy"));
    const inMap = map
      .split("\n")
      .filter((line) => /^ {2}\S/.test(line))
      .flatMap((line) => (line.trim().split(/ {2,}/)[0] ?? "").split(" "));
    expect(inMap).toEqual(layers.flat().filter((unit) => unit.endsWith("/")));
  });
});

describe("the layer check", () => {
  const order = [["top.ts"], ["a/", "b/"], ["base/"]];

  it("finds a circle through types between files, and between folders", () => {
    const edges = [
      { from: "a/one.ts", to: "base/x.ts" },
      { from: "base/x.ts", to: "base/y.ts" },
      { from: "base/y.ts", to: "a/one.ts" },
    ];
    expect(circles(edges)).toEqual([["a/one.ts", "base/x.ts", "base/y.ts"]]);
    expect(circles(unitEdges(edges))).toEqual([["a/", "base/"]]);
    expect(circles([{ from: "a/one.ts", to: "a/one.ts" }])).toEqual([["a/one.ts"]]);
    expect(circles([{ from: "a/one.ts", to: "a/two.ts" }])).toEqual([]);
  });

  it("refuses an import up the order, sideways, or to a unit the order does not list", () => {
    const edges = [
      { from: "top.ts", to: "a/one.ts" },
      { from: "a/one.ts", to: "base/x.ts" },
      { from: "a/one.ts", to: "a/two.ts" },
      { from: "base/x.ts", to: "a/one.ts" },
      { from: "a/one.ts", to: "b/one.ts" },
      { from: "a/one.ts", to: "new/one.ts" },
    ];
    expect(show(layerViolations(edges, order))).toEqual([
      "base/x.ts -> a/one.ts",
      "a/one.ts -> b/one.ts",
      "a/one.ts -> new/one.ts",
    ]);
    expect(layerViolations(edges, order).map((v) => v.why)).toEqual(["up", "sideways", "unlisted"]);
  });

  it("reads the order from the numbered list under '## Layers', top first", () => {
    const doc = [
      "# Architecture",
      "## Layers",
      "Each line uses the lines below it.",
      "1. `runtime.ts`: builds the context",
      "2. `vending/`, `approvals/`: features (`not/` a unit after the colon)",
      "3. `errors.ts`",
      "## Vending",
      "1. `later/`: not part of the order",
    ].join("\n");
    expect(parseLayers(doc)).toEqual([["runtime.ts"], ["vending/", "approvals/"], ["errors.ts"]]);
  });
});
