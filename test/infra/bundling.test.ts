import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { markSchemasPure } from "../../stacks/bundling";

const require = createRequire(import.meta.url);

/** A schema value with its lazy references followed (to a depth), classes by name: comparable with toEqual. */
function resolved(value: unknown, depth = 5): unknown {
  if (typeof value === "function") {
    if (/^class\b/.test(Function.prototype.toString.call(value))) return `class ${value.name}`;
    return depth > 0 ? resolved((value as () => unknown)(), depth - 1) : "fn";
  }
  if (Array.isArray(value)) return value.map((v) => resolved(v, depth));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolved(v, depth)]));
  return value;
}

describe("marking the SDK's schema declarations pure", () => {
  it("changes no schema: every export of EC2's schema module is the same after the transform", async () => {
    const clientDir = dirname(require.resolve("@aws-sdk/client-ec2/package.json"));
    const original = join(clientDir, "dist-es/schemas/schemas_0.js");
    const source = readFileSync(original, "utf8");
    const transformed = markSchemasPure(source);
    // The transformed copy lives elsewhere, so its relative imports point back at the client's files.
    const copy = join(mkdtempSync(join(tmpdir(), "qm-schemas-")), "schemas_0.mjs");
    writeFileSync(
      copy,
      transformed.replace(/from "(\.\.?\/[^"]+)"/g, (_m, rel: string) => {
        const target = pathToFileURL(join(dirname(original), `${rel}.js`)).href;
        return `from ${JSON.stringify(target)}`;
      }),
    );

    const before = (await import(pathToFileURL(original).href)) as Record<string, unknown>;
    const after = (await import(pathToFileURL(copy).href)) as Record<string, unknown>;

    expect(transformed.match(/@__PURE__/g)?.length).toBeGreaterThan(3000);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const name of Object.keys(before).filter((n) => n.endsWith("$")))
      expect({ name, schema: resolved(after[name]) }).toEqual({ name, schema: resolved(before[name]) });
  }, 60_000);

  it("wraps only array-literal declarations, and leaves imports and the error registry alone", () => {
    const source = [
      'import { TypeRegistry } from "@smithy/core/schema";',
      'const _A = "Address";',
      "const _s_registry = new TypeRegistry(_s);",
      "export var A$ = [3, n0, _A,",
      "    0,",
      "    [[() => B, { [_xN]: _A }]]",
      "];",
      "var B = [0, n0, _A, 8, 0];",
      "_s_registry.registerError(A$, Error);",
    ].join("\n");

    expect(markSchemasPure(source).split("\n")).toEqual([
      'import { TypeRegistry } from "@smithy/core/schema";',
      'const _A = "Address";',
      "const _s_registry = new TypeRegistry(_s);",
      "export var A$ = /* @__PURE__ */ (() => ([3, n0, _A,",
      "    0,",
      "    [[() => B, { [_xN]: _A }]]",
      "]))();",
      "var B = /* @__PURE__ */ (() => ([0, n0, _A, 8, 0]))();",
      "_s_registry.registerError(A$, Error);",
    ]);
  });
});
