import { describe, expect, it } from "vitest";
import { planDeletions, type StackInfo } from "./plan";

function stack(name: string, overrides: Partial<StackInfo> = {}): StackInfo {
  return {
    name,
    status: "CREATE_COMPLETE",
    terminationProtection: false,
    tags: {},
    exports: [],
    imports: [],
    ...overrides,
  };
}

const plan = (stacks: StackInfo[], protectPatterns: string[] = []) =>
  planDeletions(stacks, { protectPatterns });

describe("planDeletions", () => {
  it.each([
    ["StackSet-baseline-1234", {}, "protected name (StackSet-*)"],
    ["aws-controltower-BaselineCloudTrail", {}, "protected name (aws-controltower-*)"],
    ["CDKToolkit", {}, "protected name (CDKToolkit)"],
    ["app", { terminationProtection: true }, "termination protection is enabled"],
    ["app", { tags: { "quartermaster:protect": "true" } }, "tagged quartermaster:protect=true"],
  ] as const)("never deletes %s %j", (name, overrides, reason) => {
    const result = plan([stack(name, overrides)]);

    expect(result.delete).toEqual([]);
    expect(result.skipped).toEqual([{ stack: name, reason }]);
  });

  it("honours configured patterns and deletes what no rule protects", () => {
    const result = plan([stack("keep-network"), stack("demo")], ["keep-*"]);

    expect(result.delete).toEqual(["demo"]);
    expect(result.skipped).toEqual([
      { stack: "keep-network", reason: "protected by configured pattern keep-*" },
    ]);
  });

  it("deletes importers before exporters along a chain", () => {
    const result = plan([
      stack("network", { exports: ["vpc-id"] }),
      stack("database", { exports: ["db-url"], imports: ["vpc-id"] }),
      stack("app", { imports: ["db-url", "vpc-id"] }),
    ]);

    expect(result.delete).toEqual(["app", "database", "network"]);
    expect(result.failed).toEqual([]);
  });

  it("reports a cycle as failed without deleting its members, and still deletes the rest", () => {
    const result = plan([
      stack("a", { exports: ["a-out"], imports: ["b-out"] }),
      stack("b", { exports: ["b-out"], imports: ["a-out"] }),
      stack("loner"),
    ]);

    expect(result.delete).toEqual(["loner"]);
    expect(result.failed.map((f) => f.stack).sort()).toEqual(["a", "b"]);
    expect(result.failed[0]?.reason).toMatch(/dependency cycle/);
  });

  it("keeps an exporter whose importer is protected, reported as skipped on purpose, not failed", () => {
    const result = plan([
      stack("shared", { exports: ["x"] }),
      stack("guarded", { imports: ["x"], tags: { "quartermaster:protect": "true" } }),
    ]);

    expect(result.delete).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(result.skipped).toContainEqual({
      stack: "shared",
      reason: "kept: exports values imported by guarded, which is kept",
    });
  });

  it("keeps a whole chain above a protected importer, and deletes an unrelated stack", () => {
    const result = plan([
      stack("base", { exports: ["b"] }),
      stack("middle", { imports: ["b"], exports: ["m"] }),
      stack("CDKToolkit", { imports: ["m"] }),
      stack("free"),
    ]);

    expect(result.delete).toEqual(["free"]);
    expect(result.failed).toEqual([]);
    expect(result.skipped.map((s) => s.stack).sort()).toEqual(["CDKToolkit", "base", "middle"]);
  });

  it("reports an exporter failed, not kept, when one of its importers is in a cycle", () => {
    const result = plan([
      stack("base", { exports: ["b"] }),
      stack("guarded", { imports: ["b"], terminationProtection: true }),
      stack("loopA", { imports: ["b", "lb"], exports: ["la"] }),
      stack("loopB", { imports: ["la"], exports: ["lb"] }),
    ]);

    expect(result.failed.map((f) => f.stack).sort()).toEqual(["base", "loopA", "loopB"]);
    expect(result.delete).toEqual([]);
  });

  it.each([" TRUE ", "True", "true "])("treats the protect tag value %j as true", (value) => {
    const result = plan([stack("app", { tags: { "quartermaster:protect": value } })]);

    expect(result.delete).toEqual([]);
    expect(result.skipped[0]?.reason).toMatch(/quartermaster:protect/);
  });

  it("deletes only root stacks: nested stacks go with their root", () => {
    const result = plan([stack("root"), stack("root-NestedA-1", { parentId: "arn:root" })]);

    expect(result.delete).toEqual(["root"]);
    expect(result.skipped).toEqual([
      { stack: "root-NestedA-1", reason: "nested stack: deleted with its root stack" },
    ]);
  });
});
