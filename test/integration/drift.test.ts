import { BudgetsClient, DeleteBudgetCommand, DescribeBudgetCommand } from "@aws-sdk/client-budgets";
import {
  DescribeOrganizationCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  OrganizationsClient,
  UntagResourceCommand,
} from "@aws-sdk/client-organizations";
import {
  DeleteAccountAssignmentCommand,
  ListAccountAssignmentsCommand,
  SSOAdminClient,
  UpdatePermissionSetCommand,
} from "@aws-sdk/client-sso-admin";
import { afterAll, describe, expect, it } from "vitest";
import { identityCenterPlugin } from "../../packages/local/src/identity-center";
import { TEST_REGION } from "../support/aws-env";
import { identityCenterOf, ouIdByPath } from "../support/org";
import { call, unique, useApi } from "../support/plane";
import { runQm } from "../support/qm";
import { startWebhook } from "../support/webhook";

// A table of its own: the accounts a check compares are exactly this file's vends, and the baseline is its own.
const hook = await startWebhook();
const api = useApi({ tableName: unique("drift"), slackWebhookUrl: hook.url });
afterAll(() => hook.close());

const org = new OrganizationsClient({ region: TEST_REGION });
const budgets = new BudgetsClient({ region: TEST_REGION });
const sso = new SSOAdminClient({ region: TEST_REGION });
sso.middlewareStack.use(identityCenterPlugin());

async function settle() {
  await api.plane.runner.idle();
  await api.plane.events.drain();
}

async function vend(body: Record<string, unknown>) {
  const res = await call(api.url, "POST", "/accounts", body);
  expect(res.status).toBe(202);
  await api.plane.runner.wait(res.body.executionArn);
  const view = await call(api.url, "GET", res.body.links.self);
  expect(view.body.status).toBe("SUCCEEDED");
  return view.body as { requestId: string; accountId: string };
}

interface Finding {
  kind: string;
  key: string;
  expected: unknown;
  actual: unknown;
}

async function check() {
  const started = await call(api.url, "POST", "/drift/checks", {});
  expect(started.status).toBe(202);
  expect(started.body.links.self).toBe(`/drift/checks/${started.body.checkId}`);
  await settle();
  const report = await call(api.url, "GET", started.body.links.self);
  expect(report.status).toBe(200);
  expect(report.body.status).toBe("SUCCEEDED");
  return report.body as {
    checkId: string;
    summary: { checked: number; drifted: number; excluded: number };
    accounts: { accountId: string; requestId: string; findings: Finding[] }[];
    excluded: { accountId: string; reason: string }[];
    baseline: {
      planId?: string;
      status: string;
      summary: Record<string, number>;
      changes: { key: string }[];
    };
  };
}

async function parentOf(accountId: string) {
  return (await org.send(new ListParentsCommand({ ChildId: accountId }))).Parents?.[0]?.Id;
}

async function tagsOf(accountId: string) {
  const tags = (await org.send(new ListTagsForResourceCommand({ ResourceId: accountId }))).Tags ?? [];
  return Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
}

async function groupsHolding(instanceArn: string, accountId: string, permissionSetArn: string) {
  const out = await sso.send(
    new ListAccountAssignmentsCommand({
      InstanceArn: instanceArn,
      AccountId: accountId,
      PermissionSetArn: permissionSetArn,
    }),
  );
  return (out.AccountAssignments ?? []).map((a) => a.PrincipalId);
}

describe("drift: check, report, repair, check again", () => {
  it("reports a moved, untagged, budget-less and unassigned account and a hand-edited permission set, repairs the accounts, and a last check is clean", async () => {
    const tag = unique("dr").replace(/-/g, "");
    const top = `Drift${tag}`;
    const setName = `Std${tag}`.slice(0, 32);
    const group = `Std-${tag}`;
    // The baseline: an OU whose accounts get a standing assignment.
    const document = {
      version: 1,
      organizationalUnits: [`${top}/Apps`],
      groups: [{ name: group, members: [] }],
      permissionSets: [{ name: setName, sessionDuration: "PT1H" }],
      assignments: [{ group, permissionSets: [setName], ous: [`${top}/Apps`] }],
    };
    const planned = await call(api.url, "POST", "/baseline/plans", { baseline: document });
    await settle();
    expect((await call(api.url, "POST", `/baseline/plans/${planned.body.planId}/apply`, {})).status).toBe(
      202,
    );
    await settle();
    expect((await call(api.url, "GET", "/baseline")).body.planId).toBe(planned.body.planId);

    const moved = await vend({
      name: unique("drift-moved"),
      email: `${unique("dm")}@example.com`,
      ou: `${top}/Apps`,
      access: [{ group: "Admin", permissionSets: ["AdministratorAccess"] }],
    });
    const stripped = await vend({
      name: unique("drift-strip"),
      email: `${unique("ds")}@example.com`,
      ou: "Workloads/QA",
      tags: { team: "payments", "cost-center": "42" },
      budget: { monthlyLimitUsd: 120 },
      access: [{ group: "Developers", permissionSets: ["ReadOnlyAccess"] }],
    });
    const closed = await vend({
      name: unique("drift-closed"),
      email: `${unique("dc")}@example.com`,
      ou: "Sandbox",
    });
    expect(
      (await call(api.url, "POST", `/accounts/${closed.accountId}/close`, { reason: "done" })).status,
    ).toBe(202);
    await settle();

    // Clean first: nothing drifted, no Slack message.
    const posts = hook.posts.length;
    const clean = await check();
    expect(clean.summary).toEqual({ checked: 2, drifted: 0, excluded: 1 });
    expect(clean.excluded).toEqual([
      {
        accountId: closed.accountId,
        requestId: closed.requestId,
        reason: expect.stringMatching(/^closed \(closure|^being closed/),
      },
    ]);
    expect(clean.baseline.status).toBe("READY");
    expect(clean.baseline.changes).toEqual([]);
    expect(hook.posts.slice(posts).filter((p) => /Drift/.test(p.body.text))).toEqual([]);

    // Drift, by hand: a move, a removed tag, a deleted budget, two removed assignments, an edited permission set.
    const ic = await identityCenterOf();
    const qa = (await ouIdByPath("Workloads/QA")) as string;
    const apps = (await ouIdByPath(`${top}/Apps`)) as string;
    await org.send(
      new MoveAccountCommand({ AccountId: moved.accountId, SourceParentId: apps, DestinationParentId: qa }),
    );
    const standingArn = ic.sets.get(setName) as string;
    const standingGroup = (await ic.groupId(group)) as string;
    await sso.send(
      new DeleteAccountAssignmentCommand({
        InstanceArn: ic.instanceArn,
        TargetId: moved.accountId,
        TargetType: "AWS_ACCOUNT",
        PermissionSetArn: standingArn,
        PrincipalType: "GROUP",
        PrincipalId: standingGroup,
      }),
    );
    await org.send(new UntagResourceCommand({ ResourceId: stripped.accountId, TagKeys: ["team"] }));
    const payer = (await org.send(new DescribeOrganizationCommand({}))).Organization?.MasterAccountId;
    const budgetName = `quartermaster-${(await call(api.url, "GET", `/accounts/requests/${stripped.requestId}`)).body.request.name}-${stripped.accountId}`;
    await budgets.send(new DeleteBudgetCommand({ AccountId: payer, BudgetName: budgetName }));
    const readOnly = ic.sets.get("ReadOnlyAccess") as string;
    const developers = (await ic.groupId("Developers")) as string;
    await sso.send(
      new DeleteAccountAssignmentCommand({
        InstanceArn: ic.instanceArn,
        TargetId: stripped.accountId,
        TargetType: "AWS_ACCOUNT",
        PermissionSetArn: readOnly,
        PrincipalType: "GROUP",
        PrincipalId: developers,
      }),
    );
    await sso.send(
      new UpdatePermissionSetCommand({
        InstanceArn: ic.instanceArn,
        PermissionSetArn: standingArn,
        SessionDuration: "PT8H",
      }),
    );

    const drifted = await check();
    expect(drifted.summary).toEqual({ checked: 2, drifted: 2, excluded: 1 });
    const findingsOf = (id: string) => drifted.accounts.find((a) => a.accountId === id)?.findings;
    expect(findingsOf(moved.accountId)).toEqual([
      { kind: "ou", key: "ou", expected: `${top}/Apps`, actual: "Workloads/QA" },
      { kind: "assignment", key: `${group}/${setName}`, expected: "assigned", actual: null },
    ]);
    expect(findingsOf(stripped.accountId)).toEqual([
      { kind: "tag", key: "team", expected: "payments", actual: null },
      {
        kind: "budget",
        key: budgetName,
        expected: { monthlyLimitUsd: 120, notifications: expect.any(Array) },
        actual: null,
      },
      { kind: "assignment", key: "Developers/ReadOnlyAccess", expected: "assigned", actual: null },
    ]);
    expect(drifted.accounts.find((a) => a.accountId === stripped.accountId)?.requestId).toBe(
      stripped.requestId,
    );
    // The baseline's drift is the plan's: the permission set edited by hand is an update.
    expect(drifted.baseline.summary).toMatchObject({ create: 0, update: 1, delete: 0 });
    expect(drifted.baseline.changes.map((c) => c.key)).toEqual([`permissionSet/${setName}`]);
    // One Slack message for the check: counts, the accounts, the way to the report.
    const messages = hook.posts.slice(posts).filter((p) => p.body.text.startsWith("Drift found"));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.body.text).toContain("2 of 2 vended account(s)");
    expect(JSON.stringify(messages[0]?.body.blocks)).toContain(moved.accountId);
    expect(JSON.stringify(messages[0]?.body.blocks)).toContain(`qm drift status ${drifted.checkId}`);

    // The CLI prints the same report.
    const status = await runQm(api.url, {}, "drift", "status", drifted.checkId);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`ou ou: expected "${top}/Apps", actual "Workloads/QA"`);
    expect(status.out).toContain('tag team: expected "payments", actual (none)');
    expect(status.out).toContain(`${closed.accountId}: `);

    // A repair naming the closed account skips it and touches nothing.
    const refused = await runQm(
      api.url,
      {},
      "drift",
      "repair",
      drifted.checkId,
      "--account",
      closed.accountId,
    );
    expect(refused.code).toBe(0);
    expect(refused.out).toMatch(new RegExp(`skipped ${closed.accountId}: excluded by check`));

    // The repair: every drifted account put back, each fix read back with the SDK.
    const repaired = await runQm(api.url, {}, "drift", "repair", drifted.checkId, "--json");
    expect(repaired.code).toBe(0);
    const repair = JSON.parse(repaired.out);
    expect(repair.status).toBe("SUCCEEDED");
    expect([...repair.repaired].sort()).toEqual([moved.accountId, stripped.accountId].sort());
    expect(repair.skipped).toEqual([]);
    expect(await parentOf(moved.accountId)).toBe(apps);
    expect(await groupsHolding(ic.instanceArn, moved.accountId, standingArn)).toContain(standingGroup);
    expect(await tagsOf(stripped.accountId)).toMatchObject({ team: "payments", "cost-center": "42" });
    const budget = await budgets.send(
      new DescribeBudgetCommand({ AccountId: payer, BudgetName: budgetName }),
    );
    expect(Number(budget.Budget?.BudgetLimit?.Amount)).toBe(120);
    expect(await groupsHolding(ic.instanceArn, stripped.accountId, readOnly)).toContain(developers);
    expect((await call(api.url, "GET", `/drift/repairs/${repair.repairId}`)).body.repaired.sort()).toEqual(
      repair.repaired.sort(),
    );

    // Baseline drift is put back by applying the baseline's plan, not by the repair.
    const applied = await runQm(
      api.url,
      {},
      "baseline",
      "apply",
      drifted.baseline.planId as string,
      "--wait",
    );
    expect(applied.code).toBe(0);

    const before = hook.posts.length;
    const again = await runQm(api.url, {}, "drift", "--wait", "--json");
    expect(again.code).toBe(0);
    const last = JSON.parse(again.out);
    expect(last.summary).toEqual({ checked: 2, drifted: 0, excluded: 1 });
    expect(last.accounts).toEqual([]);
    expect(last.baseline.changes).toEqual([]);
    await settle();
    expect(hook.posts.slice(before).filter((p) => p.body.text.startsWith("Drift found"))).toEqual([]);
  });

  it("refuses bad input with a clear 4xx and loses nothing", async () => {
    expect((await call(api.url, "POST", "/drift/checks", { accounts: ["1"] })).status).toBe(422);
    expect((await call(api.url, "GET", "/drift/checks/drc-nope")).status).toBe(404);
    expect((await call(api.url, "GET", "/drift/repairs/drr-nope")).status).toBe(404);
    expect((await call(api.url, "POST", "/drift/checks/drc-nope/repair", {})).status).toBe(404);
    const started = await call(api.url, "POST", "/drift/checks", {});
    await settle();
    const bad = await call(api.url, "POST", `/drift/checks/${started.body.checkId}/repair`, {
      accounts: ["12"],
    });
    expect(bad.status).toBe(422);
    expect((await call(api.url, "GET", `/drift/checks/${started.body.checkId}?next=zzz`)).status).toBe(400);
    expect((await call(api.url, "GET", `/drift/checks/${started.body.checkId}?limit=0`)).status).toBe(422);
  });
});
