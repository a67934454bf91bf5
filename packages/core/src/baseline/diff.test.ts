import { describe, expect, it } from "vitest";
import { planChanges } from "./diff";
import { type Baseline, type BaselineInput, BaselineSchema } from "./document";
import { exportBaseline, tidyBaseline } from "./export";
import type { OrgSnapshot } from "./read";

const MANAGEMENT = "000000000001";
const ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess";

function org(overrides: Partial<OrgSnapshot> = {}): OrgSnapshot {
  return {
    rootId: "r-1",
    managementAccountId: MANAGEMENT,
    instanceArn: "arn:aws:sso:::instance/ssoins-1",
    identityStoreId: "d-1",
    ous: [
      { path: "Workloads", id: "ou-w" },
      { path: "Workloads/QA", id: "ou-qa" },
      { path: "Sandbox", id: "ou-s" },
      { path: "Old", id: "ou-old" },
    ],
    accounts: [
      { id: MANAGEMENT, name: "management", status: "ACTIVE", ou: "" },
      { id: "111111111111", name: "qa-1", status: "ACTIVE", ou: "Workloads/QA" },
      { id: "222222222222", name: "qa-2", status: "SUSPENDED", ou: "Workloads/QA" },
      { id: "333333333333", name: "box", status: "ACTIVE", ou: "Sandbox" },
    ],
    scps: [
      {
        id: "p-full",
        name: "FullAWSAccess",
        awsManaged: true,
        document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
        targets: ["Root", "Sandbox", "Workloads"],
      },
    ],
    groups: [
      { id: "g-admin", name: "Admin", members: ["ada"] },
      { id: "g-other", name: "Other", members: [] },
    ],
    users: ["ada", "linus"],
    permissionSets: [
      {
        arn: "arn:ps-admin",
        name: "AdministratorAccess",
        sessionDuration: "PT4H",
        managedPolicies: [ADMIN_POLICY],
        customerManagedPolicies: [],
      },
    ],
    assignments: [
      { group: "Admin", permissionSet: "AdministratorAccess", accountId: MANAGEMENT },
      { group: "Admin", permissionSet: "AdministratorAccess", accountId: "111111111111" },
      { group: "Other", permissionSet: "AdministratorAccess", accountId: "333333333333" },
    ],
    ...overrides,
  };
}

const doc = (input: Omit<BaselineInput, "version">): Baseline =>
  BaselineSchema.parse({ version: 1, ...input });
const plan = (d: Baseline, o = org(), prune = false, previous?: Baseline) =>
  planChanges(d, o, { prune, previous, configuredOus: ["Sandbox"] });

describe("planChanges", () => {
  it("has no changes for what AWS already holds, and lists the rest as unmanaged", () => {
    const result = plan(
      doc({
        organizationalUnits: ["Workloads/QA"],
        groups: [{ name: "Admin", members: ["ada"] }],
        permissionSets: [
          { name: "AdministratorAccess", sessionDuration: "PT4H", managedPolicies: [ADMIN_POLICY] },
        ],
        assignments: [
          {
            group: "Admin",
            permissionSets: ["AdministratorAccess"],
            ous: ["Workloads"],
            accounts: [MANAGEMENT],
          },
        ],
      }),
    );
    expect(result.changes).toEqual([]);
    // Workloads, Workloads/QA; Admin, ada; the set; the two assignments (the suspended account is not covered).
    expect(result.summary).toMatchObject({ create: 0, update: 0, delete: 0, unchanged: 7 });
    expect(result.unmanaged).toEqual([
      { kind: "ou", key: "ou/Old" },
      { kind: "ou", key: "ou/Sandbox" },
      { kind: "group", key: "group/Other" },
      { kind: "assignment", key: "assignment/Other/AdministratorAccess/333333333333" },
    ]);
  });

  it("shows an update field by field, before and after", () => {
    const result = plan(
      doc({
        permissionSets: [
          {
            name: "AdministratorAccess",
            sessionDuration: "PT8H",
            managedPolicies: [ADMIN_POLICY],
            permissionsBoundary: { managedPolicyArn: "arn:aws:iam::aws:policy/PowerUserAccess" },
          },
        ],
      }),
    );
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({
      action: "update",
      key: "permissionSet/AdministratorAccess",
      fields: [
        { field: "sessionDuration", before: "PT4H", after: "PT8H" },
        {
          field: "permissionsBoundary",
          before: undefined,
          after: { managedPolicyArn: "arn:aws:iam::aws:policy/PowerUserAccess" },
        },
      ],
    });
  });

  it("orders creations parents first and assignments last", () => {
    const result = plan(
      doc({
        organizationalUnits: ["Shared/Security/Audit"],
        serviceControlPolicies: [
          {
            name: "guard",
            document: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] },
            targets: ["Shared"],
          },
        ],
        groups: [{ name: "Auditors", members: ["linus"] }],
        permissionSets: [{ name: "Audit" }],
        assignments: [{ group: "Auditors", permissionSets: ["Audit"], accounts: ["111111111111"] }],
      }),
    );
    expect(result.changes.map((c) => `${c.action} ${c.key}`)).toEqual([
      "create ou/Shared",
      "create ou/Shared/Security",
      "create ou/Shared/Security/Audit",
      "create scp/guard",
      "create scpTarget/guard/Shared",
      "create group/Auditors",
      "create member/Auditors/linus",
      "create permissionSet/Audit",
      "create assignment/Auditors/Audit/111111111111",
    ]);
  });

  it("deletes nothing without prune", () => {
    const result = plan(
      doc({ organizationalUnits: ["Workloads"], groups: [{ name: "Admin", members: [] }], assignments: [] }),
    );
    expect(result.summary.delete).toBe(0);
    expect(result.unmanaged).toContainEqual({ kind: "member", key: "member/Admin/ada" });
    expect(result.unmanaged).toContainEqual({
      kind: "assignment",
      key: "assignment/Admin/AdministratorAccess/111111111111",
    });
  });

  it("with prune, refuses what may never go: non-empty or configured OUs, sets and groups it never named, the management account's access", () => {
    const result = plan(
      doc({
        organizationalUnits: ["Workloads", "Sandbox/Kept", "Old/Kept"],
        groups: [{ name: "Admin", members: [] }],
        permissionSets: [],
        assignments: [],
      }),
      org({
        permissionSets: [
          ...org().permissionSets,
          {
            arn: "arn:ps-r",
            name: "AWSReservedSSO_x",
            sessionDuration: "PT1H",
            managedPolicies: [],
            customerManagedPolicies: [],
          },
        ],
        groups: [...org().groups, { id: "g-x", name: "Extra", members: [] }],
      }),
      true,
    );
    expect(result.changes.map((c) => `${c.action} ${c.key}`)).toEqual([
      "create ou/Old/Kept",
      "create ou/Sandbox/Kept",
      "delete assignment/Admin/AdministratorAccess/111111111111",
      "delete member/Admin/ada",
    ]);
    expect(result.refused).toEqual(
      expect.arrayContaining([
        {
          key: "assignment/Admin/AdministratorAccess/" + MANAGEMENT,
          reason: "the management account's own access is never pruned (it could lock everyone out)",
        },
        { key: "group/Extra", reason: "Quartermaster did not create it: no applied baseline named it" },
        {
          key: "permissionSet/AdministratorAccess",
          reason: "Quartermaster did not create it: no applied baseline named it",
        },
        { key: "permissionSet/AWSReservedSSO_x", reason: "AWSReservedSSO_ names belong to Identity Center" },
      ]),
    );
    // An OU that holds accounts stays, a suspended one counted; the document's own Workloads is kept.
    expect(result.refused).toContainEqual({ key: "ou/Workloads/QA", reason: "it still holds 2 account(s)" });
    expect(result.refused).not.toContainEqual(expect.objectContaining({ key: "ou/Workloads" }));
    // FullAWSAccess is AWS's: never listed at all.
    expect(JSON.stringify(result)).not.toContain("FullAWSAccess");
  });

  it("with prune, refuses an OU that holds accounts, and deletes a set a previous baseline named once it is unassigned", () => {
    const previous = doc({ permissionSets: [{ name: "AdministratorAccess" }] });
    const withAccounts = plan(doc({ organizationalUnits: ["Workloads"] }), org(), true);
    expect(withAccounts.refused).toContainEqual({
      key: "ou/Workloads/QA",
      reason: "it still holds 2 account(s)",
    });

    const stillAssigned = plan(doc({ permissionSets: [] }), org(), true, previous);
    expect(stillAssigned.refused).toContainEqual({
      key: "permissionSet/AdministratorAccess",
      reason: "it would still be assigned 3 time(s)",
    });
    const unassigned = plan(doc({ permissionSets: [] }), org({ assignments: [] }), true, previous);
    expect(unassigned.changes.map((c) => `${c.action} ${c.key}`)).toEqual([
      "delete permissionSet/AdministratorAccess",
    ]);
  });

  it("refuses an SCP target already at AWS's quota of 5, counting what is attached", () => {
    const attachedFour = ["a", "b", "c", "d"].map((name) => ({
      id: `p-${name}`,
      name,
      awsManaged: false,
      document: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "x:Y", Resource: "*" }] },
      targets: ["Sandbox"],
    }));
    const result = plan(
      doc({
        serviceControlPolicies: [
          {
            name: "fifth",
            document: {
              Version: "2012-10-17",
              Statement: [{ Effect: "Deny", Action: "x:Z", Resource: "*" }],
            },
            targets: ["Sandbox"],
          },
        ],
      }),
      org({ scps: [...org().scps, ...attachedFour] }),
    );
    expect(result.refused).toContainEqual({
      key: "scpTarget/fifth/Sandbox",
      reason: "Sandbox already holds 5 SCPs, AWS's quota per target (5)",
    });
    expect(result.changes.map((c) => c.key)).toEqual(["scp/fifth"]);
  });

  it("refuses a member who is no Identity Center user", () => {
    const result = plan(doc({ groups: [{ name: "Admin", members: ["ada", "ghost"] }] }));
    expect(result.refused).toEqual([
      { key: "member/Admin/ghost", reason: "no Identity Center user is named ghost" },
    ]);
  });
});

describe("exportBaseline", () => {
  it("writes assignments held on every active account of an OU as that OU, and plans back with no changes", () => {
    const snapshot = org({
      ous: [...org().ous, { path: "Workloads/Prod", id: "ou-p" }],
      accounts: [
        ...org().accounts,
        { id: "444444444444", name: "prod", status: "ACTIVE", ou: "Workloads/Prod" },
      ],
      assignments: [
        ...org().assignments,
        { group: "Admin", permissionSet: "AdministratorAccess", accountId: "444444444444" },
      ],
    });
    const exported = exportBaseline(snapshot);
    expect(exported.assignments).toContainEqual({
      group: "Admin",
      permissionSets: ["AdministratorAccess"],
      ous: ["Workloads"],
      accounts: [MANAGEMENT],
    });
    expect(exported.organizationalUnits).toEqual(["Old", "Sandbox", "Workloads/Prod", "Workloads/QA"]);
    const reread = BaselineSchema.parse(tidyBaseline(exported));
    const result = planChanges(reread, snapshot, { prune: true, previous: reread, configuredOus: [] });
    expect(result.changes).toEqual([]);
  });
});
