import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { BASELINE_LIMITS, durationSeconds, validateBaseline } from "./document";

const policy = (statements = 1, padding = 0) => ({
  Version: "2012-10-17",
  Statement: Array.from({ length: statements }, (_, i) => ({
    Sid: `S${i}${"x".repeat(padding)}`,
    Effect: "Deny",
    Action: "organizations:LeaveOrganization",
    Resource: "*",
  })),
});

function issues(doc: unknown) {
  const result = validateBaseline(doc);
  if (result.ok) throw new Error("expected the document to be invalid");
  return result.issues;
}

describe("validateBaseline", () => {
  it("accepts the example organisation and fills in the defaults", () => {
    const example = parseYaml(
      readFileSync(new URL("../../../../examples/baseline.yaml", import.meta.url), "utf8"),
    );
    const result = validateBaseline(example);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.baseline.permissionSets?.[0]).toMatchObject({
      name: "AdministratorAccess",
      sessionDuration: "PT4H",
      customerManagedPolicies: [],
    });
  });

  it("reads ISO 8601 session durations and holds them to PT1H-PT12H", () => {
    expect(durationSeconds("PT4H")).toBe(14_400);
    expect(durationSeconds("PT1H30M")).toBe(5400);
    expect(durationSeconds("PT")).toBeUndefined();
    expect(durationSeconds("4h")).toBeUndefined();
    const bad = ["PT30M", "PT13H", "P1D", "4 hours"].map((sessionDuration, i) => ({
      name: `Set${i}`,
      sessionDuration,
    }));
    const found = issues({ version: 1, permissionSets: bad });
    expect(found.map((i) => i.path)).toEqual(
      [0, 1, 2, 3].map((i) => `baseline.permissionSets[${i}].sessionDuration`),
    );
    expect(found[0]?.message).toContain("PT1H to PT12H");
    expect(
      validateBaseline({ version: 1, permissionSets: [{ name: "A", sessionDuration: "PT12H" }] }).ok,
    ).toBe(true);
  });

  it("names an unknown key with the nearest known one, at every level", () => {
    const found = issues({ version: 1, permisionSets: [], groups: [{ name: "A", member: ["x"] }] });
    expect(found).toContainEqual({
      path: "baseline.permisionSets",
      message: 'unknown key; did you mean "permissionSets"?',
    });
    expect(found).toContainEqual({
      path: "baseline.groups[0].member",
      message: 'unknown key; did you mean "members"?',
    });
  });

  it("lists every invalid field at once, with AWS's name rules", () => {
    const found = issues({
      version: 2,
      organizationalUnits: ["Workloads//QA", " Lead"],
      permissionSets: [{ name: "has space" }, { name: "x".repeat(33) }],
      serviceControlPolicies: [{ name: "p", document: policy(), targets: ["Bad//Path"] }],
    });
    expect(found.map((i) => i.path)).toEqual([
      "baseline.version",
      "baseline.organizationalUnits[0]",
      "baseline.organizationalUnits[1]",
      "baseline.serviceControlPolicies[0].targets[0]",
      "baseline.permissionSets[0].name",
      "baseline.permissionSets[1].name",
    ]);
  });

  it("holds policies to AWS's size limits and shape", () => {
    const big = policy(1, BASELINE_LIMITS.scpCharacters);
    const found = issues({
      version: 1,
      serviceControlPolicies: [
        { name: "big", document: big },
        { name: "shapeless", document: { Statement: [{ Effect: "Maybe" }] } },
      ],
    });
    expect(found[0]).toMatchObject({ path: "baseline.serviceControlPolicies[0].document" });
    expect(found[0]?.message).toMatch(/characters as JSON; service control policies hold at most 5120/);
    expect(found.map((i) => i.path)).toContain("baseline.serviceControlPolicies[1].document.Version");
    expect(found.map((i) => i.path)).toContain(
      "baseline.serviceControlPolicies[1].document.Statement[0].Effect",
    );
    // A permission set's inline policy may be far larger than an SCP.
    expect(
      validateBaseline({ version: 1, permissionSets: [{ name: "A", inlinePolicy: policy(1, 10_000) }] }).ok,
    ).toBe(true);
  });

  it("refuses a sixth SCP on one target (AWS's quota, FullAWSAccess included)", () => {
    const scps = Array.from({ length: 5 }, (_, i) => ({
      name: `p${i}`,
      document: policy(),
      targets: ["Sandbox"],
    }));
    const found = issues({ version: 1, organizationalUnits: ["Sandbox"], serviceControlPolicies: scps });
    expect(found).toEqual([
      {
        path: "baseline.serviceControlPolicies[4].targets[0]",
        message: '"Sandbox" would hold more than 5 SCPs with FullAWSAccess (AWS\'s quota per target)',
      },
    ]);
    expect(
      validateBaseline({
        version: 1,
        organizationalUnits: ["Sandbox"],
        serviceControlPolicies: scps.slice(0, 4),
      }).ok,
    ).toBe(true);
  });

  it("refuses references to what the document does not define, and duplicates", () => {
    const found = issues({
      version: 1,
      organizationalUnits: ["Workloads/QA", "Workloads/QA"],
      groups: [{ name: "Admin" }, { name: "Admin" }],
      permissionSets: [{ name: "Read" }],
      assignments: [
        { group: "Nobody", permissionSets: ["Read", "Write"], ous: ["Workloads", "Elsewhere"] },
        { group: "Admin", permissionSets: ["Read"], accounts: ["111122223333", "111122223333"] },
        { group: "Admin", permissionSets: ["Read"], ous: ["Workloads/QA"] },
        { group: "Admin", permissionSets: ["Read"] },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        { path: "baseline.organizationalUnits[1]", message: 'the OU "Workloads/QA" appears twice' },
        { path: "baseline.groups[1]", message: 'the group "Admin" appears twice' },
        { path: "baseline.assignments[0].group", message: 'the group "Nobody" is not in groups' },
        {
          path: "baseline.assignments[0].permissionSets[1]",
          message: 'the permission set "Write" is not in permissionSets',
        },
        {
          path: "baseline.assignments[0].ous[1]",
          message: 'the OU "Elsewhere" is not in organizationalUnits',
        },
        { path: "baseline.assignments[1].accounts[1]", message: 'the account "111122223333" appears twice' },
        {
          path: "baseline.assignments[2]",
          message:
            "Admin/Read is assigned by an earlier entry too: give it one entry with every OU and account",
        },
        { path: "baseline.assignments[3]", message: "names no ous and no accounts" },
      ]),
    );
    // "Workloads" is declared by its child "Workloads/QA".
    expect(found.some((i) => i.path === "baseline.assignments[0].ous[0]")).toBe(false);
  });

  it("refuses a document over 256 KB before parsing it", () => {
    const huge = { version: 1, groups: [{ name: "A", description: "x".repeat(300_000) }] };
    expect(issues(huge)).toEqual([
      { path: "baseline", message: expect.stringMatching(/a baseline holds at most 262144/) },
    ]);
  });
});
