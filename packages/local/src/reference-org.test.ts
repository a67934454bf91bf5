import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REFERENCE_ORG } from "./reference-org";

describe("local mode's organisation", () => {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("Local mode's organisation");
  const section = readme.slice(start, readme.indexOf("To try an approval by group", start));

  it("is what the README says it is, every group with a member", () => {
    expect(start).toBeGreaterThan(0);
    const named = [
      ...REFERENCE_ORG.ous,
      ...REFERENCE_ORG.groups,
      ...REFERENCE_ORG.users.map((u) => u.email),
      ...REFERENCE_ORG.permissionSets.map((p) => p.name),
      ...REFERENCE_ORG.sandboxAccounts.map((a) => a.name),
      ...REFERENCE_ORG.sandboxStacks.map((s) => s.name),
    ];
    expect(named.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
    for (const group of REFERENCE_ORG.groups)
      expect(REFERENCE_ORG.users.some((u) => u.group === group)).toBe(true);
  });
});
