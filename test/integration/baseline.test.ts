import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribePolicyCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import {
  DescribePermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { identityCenterPlugin } from "../../packages/local/src/identity-center";
import { EXAMPLE_BASELINE, ensureAccount, ensureOuPath } from "../../packages/local/src/seed";
import { TEST_REGION } from "../support/aws-env";
import { ouIdByPath } from "../support/org";
import { call, unique, useApi } from "../support/plane";
import { runQm } from "../support/qm";

/** A table of its own: the current baseline is one per table, and other files apply theirs. */
const api = useApi({ tableName: unique("qm-baseline") });
const org = new OrganizationsClient({ region: TEST_REGION });
// The same plugin local mode runs: moto keeps no permissions boundary and has no provisioning status.
const sso = new SSOAdminClient({ region: TEST_REGION });
sso.middlewareStack.use(identityCenterPlugin());

async function settle() {
  await api.plane.runner.idle();
  await api.plane.events.drain();
}

/** Plans a document and waits until it is READY (or FAILED). */
async function plan(baseline: unknown, prune = false) {
  const started = await call(api.url, "POST", "/baseline/plans", { baseline, prune });
  expect(started.status).toBe(202);
  await settle();
  const planned = await call(api.url, "GET", `/baseline/plans/${started.body.planId}`);
  expect(planned.status).toBe(200);
  return planned.body;
}

async function apply(planId: string) {
  const started = await call(api.url, "POST", `/baseline/plans/${planId}/apply`, {});
  expect(started.status).toBe(202);
  expect(started.body.status).toBe("APPLYING");
  await settle();
  return (await call(api.url, "GET", `/baseline/plans/${planId}`)).body;
}

async function instanceArn() {
  return (await sso.send(new ListInstancesCommand({}))).Instances?.[0]?.InstanceArn as string;
}

async function permissionSetArn(name: string) {
  const ic = await instanceArn();
  for (const arn of (await sso.send(new ListPermissionSetsCommand({ InstanceArn: ic }))).PermissionSets ??
    []) {
    const ps = await sso.send(new DescribePermissionSetCommand({ InstanceArn: ic, PermissionSetArn: arn }));
    if (ps.PermissionSet?.Name === name) return arn;
  }
  return undefined;
}

describe("baseline: plan, apply, change, prune, export", () => {
  const tag = unique("bl").replace(/-/g, "");
  const top = `Base${tag}`;
  const accountName = unique("baseacct");
  const setName = `Ops${tag}`.slice(0, 32);
  const group = `Team-${tag}`;
  const policyName = `guard-${tag}`;
  const doc = (session: string, extra: Record<string, unknown> = {}) => ({
    version: 1,
    organizationalUnits: [`${top}/Apps`, `${top}/Tools`],
    serviceControlPolicies: [
      {
        name: policyName,
        description: "No leaving",
        document: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
        },
        targets: [`${top}/Apps`],
      },
    ],
    groups: [{ name: group, members: ["ada@example.com"] }],
    permissionSets: [
      {
        name: setName,
        sessionDuration: session,
        relayState: "https://console.aws.amazon.com/",
        managedPolicies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        inlinePolicy: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }],
        },
        permissionsBoundary: { managedPolicyArn: "arn:aws:iam::aws:policy/PowerUserAccess" },
      },
    ],
    assignments: [{ group, permissionSets: [setName], ous: [top] }],
    ...extra,
  });

  it("plans every change field by field, applies them in order, and a second plan has none", async () => {
    const first = await plan(doc("PT2H"));
    expect(first.status).toBe("READY");
    const keys = first.changes.map((c: { key: string }) => c.key);
    expect(keys).toEqual([
      `ou/${top}`,
      `ou/${top}/Apps`,
      `ou/${top}/Tools`,
      `scp/${policyName}`,
      `scpTarget/${policyName}/${top}/Apps`,
      `group/${group}`,
      `member/${group}/ada@example.com`,
      `permissionSet/${setName}`,
    ]);
    expect(first.summary).toMatchObject({ create: 8, update: 0, delete: 0 });
    // The reference organisation's own OUs and sets are there but not named: unmanaged, never deleted.
    expect(first.unmanaged).toContainEqual({ kind: "ou", key: "ou/Sandbox" });

    const applied = await apply(first.planId);
    expect(applied.status).toBe("APPLIED");
    expect(applied.progress).toEqual({ done: 8, total: 8 });

    // AWS now holds what the document says.
    const apps = await ouIdByPath(`${top}/Apps`);
    const attached = await org.send(
      new ListPoliciesForTargetCommand({ TargetId: apps, Filter: "SERVICE_CONTROL_POLICY" }),
    );
    const scp = attached.Policies?.find((p) => p.Name === policyName);
    expect(scp).toBeDefined();
    const content = await org.send(new DescribePolicyCommand({ PolicyId: scp?.Id }));
    expect(JSON.parse(content.Policy?.Content ?? "{}").Statement[0].Action).toBe(
      "organizations:LeaveOrganization",
    );
    const arn = await permissionSetArn(setName);
    const ic = await instanceArn();
    const described = await sso.send(
      new DescribePermissionSetCommand({ InstanceArn: ic, PermissionSetArn: arn }),
    );
    expect(described.PermissionSet?.SessionDuration).toBe("PT2H");
    const managed = await sso.send(
      new ListManagedPoliciesInPermissionSetCommand({ InstanceArn: ic, PermissionSetArn: arn }),
    );
    expect(managed.AttachedManagedPolicies?.map((p) => p.Arn)).toEqual([
      "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ]);
    const boundary = await sso.send(
      new GetPermissionsBoundaryForPermissionSetCommand({ InstanceArn: ic, PermissionSetArn: arn }),
    );
    expect(boundary.PermissionsBoundary?.ManagedPolicyArn).toBe("arn:aws:iam::aws:policy/PowerUserAccess");

    const current = await call(api.url, "GET", "/baseline");
    expect(current.status).toBe(200);
    expect(current.body.planId).toBe(first.planId);

    const again = await plan(doc("PT2H"));
    expect(again.changes).toEqual([]);
    expect(again.summary.unchanged).toBeGreaterThanOrEqual(8);
  });

  it("covers an account that arrives under an assigned OU, and a changed session is one ~ field", async () => {
    const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
    const tools = await ensureOuPath(org, rootId, `${top}/Tools`);
    const accountId = await ensureAccount(
      org,
      rootId,
      { name: accountName, email: `aws+${accountName}@example.com` },
      tools,
    );
    const changed = await plan(doc("PT8H"));
    expect(changed.changes).toEqual([
      {
        action: "update",
        kind: "permissionSet",
        key: `permissionSet/${setName}`,
        fields: [{ field: "sessionDuration", before: "PT2H", after: "PT8H" }],
        before: expect.any(Object),
        after: expect.objectContaining({ sessionDuration: "PT8H" }),
      },
      {
        action: "create",
        kind: "assignment",
        key: `assignment/${group}/${setName}/${accountId}`,
        after: { group, permissionSet: setName, accountId },
      },
    ]);
    const applied = await apply(changed.planId);
    expect(applied.status).toBe("APPLIED");
    const ic = await instanceArn();
    const arn = await permissionSetArn(setName);
    const assignments = await sso.send(
      new ListAccountAssignmentsCommand({ InstanceArn: ic, AccountId: accountId, PermissionSetArn: arn }),
    );
    expect(assignments.AccountAssignments?.map((a) => a.PrincipalType)).toEqual(["GROUP"]);
    const described = await sso.send(
      new DescribePermissionSetCommand({ InstanceArn: ic, PermissionSetArn: arn }),
    );
    expect(described.PermissionSet?.SessionDuration).toBe("PT8H");
  });

  it("refuses to apply a plan twice, or one older than the last applied", async () => {
    const older = await plan(doc("PT8H"));
    const newer = await plan(doc("PT8H"));
    expect((await apply(newer.planId)).status).toBe("APPLIED");
    const twice = await call(api.url, "POST", `/baseline/plans/${newer.planId}/apply`, {});
    expect(twice.status).toBe(409);
    const stale = await call(api.url, "POST", `/baseline/plans/${older.planId}/apply`, {});
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("PLAN_SUPERSEDED");
  });

  it("deletes only with prune: what the last baseline named goes, what is refused says why", async () => {
    // The document owns the trees, groups and sets it names; everything else in the emulator is left alone.
    const smaller = {
      version: 1,
      organizationalUnits: [`${top}/Apps`],
      groups: [{ name: group, members: [] }],
      permissionSets: [],
      assignments: [],
    };
    const kept = await plan(smaller);
    expect(kept.summary.delete).toBe(0);
    expect(kept.unmanaged).toContainEqual({ kind: "permissionSet", key: `permissionSet/${setName}` });

    const pruned = await plan(smaller, true);
    const deletions = pruned.changes.map((c: { action: string; key: string }) => `${c.action} ${c.key}`);
    expect(deletions).toEqual([
      expect.stringMatching(new RegExp(`^delete assignment/${group}/${setName}/\\d{12}$`)),
      `delete permissionSet/${setName}`,
      `delete member/${group}/ada@example.com`,
    ]);
    expect(pruned.refused).toContainEqual({ key: `ou/${top}/Tools`, reason: "it still holds 1 account(s)" });
    expect(pruned.refused).toContainEqual({
      key: "permissionSet/ReadOnlyAccess",
      reason: "Quartermaster did not create it: no applied baseline named it",
    });
    // Other trees and groups are not this document's: never deleted, not even refused.
    expect(pruned.unmanaged).toContainEqual({ kind: "ou", key: "ou/Sandbox" });
    const applied = await apply(pruned.planId);
    expect(applied.status).toBe("APPLIED");
    expect(await permissionSetArn(setName)).toBeUndefined();
  });

  it("rejects an invalid document with every bad field by path, before reading AWS", async () => {
    const res = await call(api.url, "POST", "/baseline/plans", {
      baseline: {
        version: 1,
        permissionSets: [
          { name: "A", sessionDuration: "PT13H" },
          { name: "B", sesionDuration: "PT1H" },
        ],
        assignments: [{ group: "Nobody", permissionSets: ["A"], ous: ["X"] }],
      },
    });
    expect(res.status).toBe(422);
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain("baseline.permissionSets[0].sessionDuration");
    expect(res.body.error.details).toContainEqual({
      path: "baseline.permissionSets[1].sesionDuration",
      message: 'unknown key; did you mean "sessionDuration"?',
    });
  });
});

describe("baseline: export", () => {
  it("writes the organisation as a document that plans with no changes", async () => {
    const exported = await call(api.url, "GET", "/baseline/export");
    expect(exported.status).toBe(200);
    const ous = exported.body.baseline.organizationalUnits as string[];
    expect(ous).toContain("Workloads/Development");
    // The emulator is shared: another file's vend may land between the export and the plan's read,
    // so the round trip is judged on a quiet moment (three tries at most).
    let changes: unknown[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const again = (await call(api.url, "GET", "/baseline/export")).body.baseline;
      const planned = await plan(again);
      expect(planned.status).toBe("READY");
      changes = planned.changes;
      if (changes.length === 0) break;
    }
    expect(changes).toEqual([]);
  });

  it("the example baseline the seed applied plans with no changes", async () => {
    const planned = await plan(parseYaml(readFileSync(EXAMPLE_BASELINE, "utf8")));
    expect(planned.status).toBe("READY");
    // Other files add accounts to the reference OUs without vending them: their assignments are theirs.
    expect(planned.changes.filter((c: { kind: string }) => c.kind !== "assignment")).toEqual([]);
    expect(planned.summary.delete).toBe(0);
  });
});

describe("qm baseline", () => {
  const qm = (...argv: string[]) => runQm(api.url, {}, ...argv);

  it("plans the example (no permission set changes), then a copy with an 8-hour session is one ~ line, applied", async () => {
    const planned = await qm("baseline", "plan", EXAMPLE_BASELINE);
    expect(planned.code).toBe(0);
    expect(planned.out).toMatch(/^Plan bpl-/);
    expect(planned.out).not.toMatch(/^ {2}~ /m);

    const dir = mkdtempSync(join(tmpdir(), "qm-baseline-"));
    const changed = join(dir, "baseline.yaml");
    writeFileSync(
      changed,
      readFileSync(EXAMPLE_BASELINE, "utf8").replace("sessionDuration: PT4H", "sessionDuration: PT8H"),
    );
    try {
      const plan = await qm("baseline", "plan", changed);
      expect(plan.code).toBe(0);
      const updates = plan.out.split("\n").filter((line) => line.startsWith("  ~ "));
      expect(updates).toEqual(['  ~ permissionSet/AdministratorAccess sessionDuration: "PT4H" -> "PT8H"']);
      const planId = /Plan (bpl-[\w-]+)/.exec(plan.out)?.[1] as string;
      const applied = await qm("baseline", "apply", planId, "--wait");
      expect(applied.out).toMatch(new RegExp(`^${planId} APPLIED: \\d+ change\\(s\\)$`));
      expect(applied.code).toBe(0);
      const arn = await permissionSetArn("AdministratorAccess");
      const described = await sso.send(
        new DescribePermissionSetCommand({ InstanceArn: await instanceArn(), PermissionSetArn: arn }),
      );
      expect(described.PermissionSet?.SessionDuration).toBe("PT8H");
      const shown = await qm("baseline", "show");
      expect(shown.out).toContain(`applied by plan ${planId}`);
    } finally {
      // The reference organisation is every file's: put its session back.
      const back = await qm("baseline", "plan", EXAMPLE_BASELINE);
      const backId = /Plan (bpl-[\w-]+)/.exec(back.out)?.[1] as string;
      expect((await qm("baseline", "apply", backId, "--wait")).code).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exports YAML that reads back as a document, and a bad file is an input error (2)", async () => {
    const exported = await qm("baseline", "export");
    expect(exported.code).toBe(0);
    expect((parseYaml(exported.out) as { version: number }).version).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), "qm-baseline-"));
    try {
      const bad = join(dir, "bad.yaml");
      writeFileSync(bad, "version: 1\nversion: 2\n");
      expect((await qm("baseline", "plan", bad)).code).toBe(2);
      writeFileSync(bad, "version: 1\npermissionSets: [{ name: X, sessionDuration: PT30M }]\n");
      const invalid = await qm("baseline", "plan", bad);
      expect(invalid.code).toBe(2);
      expect(invalid.err).toContain("baseline.permissionSets[0].sessionDuration");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
