import {
  BudgetsClient,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
} from "@aws-sdk/client-budgets";
import {
  CreateAccountCommand,
  DescribeOrganizationCommand,
  ListParentsCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { ListAccountAssignmentsCommand, SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { describe, expect, it } from "vitest";
import { TEST_REGION } from "../support/aws-env";
import { accountsWithEmail, identityCenterOf, ouIdByPath } from "../support/org";
import { call, unique, useApi } from "../support/plane";

const api = useApi();
const { plane } = api;
const org = new OrganizationsClient({ region: TEST_REGION });
const sso = new SSOAdminClient({ region: TEST_REGION });
const budgets = new BudgetsClient({ region: TEST_REGION });

function body(name: string) {
  return {
    name,
    email: `aws+${name}@example.com`,
    ou: "Workloads/Development",
    access: [{ group: "Admin", permissionSets: ["AdministratorAccess", "ReadOnlyAccess"] }],
    tags: { team: "payments", "cost-center": "42" },
    budget: { monthlyLimitUsd: 250, thresholds: [50, 90], emails: ["owner@example.com"] },
  };
}

/** An account someone created outside Quartermaster (no request tag), moved into `ou`. */
async function createForeignAccount(name: string, email: string, ou: string): Promise<string> {
  const created = await org.send(new CreateAccountCommand({ AccountName: name, Email: email }));
  const id = created.CreateAccountStatus?.AccountId as string;
  const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  await org.send(new MoveAccountCommand({ AccountId: id, SourceParentId: root, DestinationParentId: ou }));
  return id;
}

describe("POST /accounts against the emulator", () => {
  it("makes only the AWS calls a vend needs, once the directory is warm", async () => {
    const vend = async (name: string) => {
      const accepted = await call(api.url, "POST", "/accounts", body(name));
      await plane.runner.wait(accepted.body.executionArn);
      await plane.events.drain();
    };
    await vend(unique("warm"));
    const before = plane.counter.snapshot();

    await vend(unique("minimal"));

    const made = Object.fromEntries(
      Object.entries(plane.counter.snapshot())
        .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
        .filter(([op, n]) => n > 0 && !op.startsWith("DynamoDB.")),
    );
    // One line per call (docs/benchmarks.md says why each is needed); two assignments in this request.
    expect(made).toEqual({
      "Organizations.CreateAccount": 1,
      "Organizations.DescribeCreateAccountStatus": 1,
      "Organizations.MoveAccount": 1,
      "SSOAdmin.CreateAccountAssignment": 2,
      "Budgets.CreateBudget": 1,
    });
  });

  it("vends an account into a nested OU with its assignments and tags, and records SUCCEEDED", async () => {
    const name = unique("payments");

    const accepted = await call(api.url, "POST", "/accounts", body(name));
    await plane.runner.wait(accepted.body.executionArn);
    const record = await call(api.url, "GET", accepted.body.links.self);

    expect(accepted.status).toBe(202);
    // Its execution exists once the API answers: the request is RUNNING (the contract's 202 status).
    expect(accepted.body.status).toBe("RUNNING");
    expect(accepted.headers.get("location")).toBe(`/accounts/requests/${accepted.body.requestId}`);
    expect(record.status).toBe(200);
    expect(record.body.status).toBe("SUCCEEDED");
    expect(record.body.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      "create:SUCCEEDED",
      "awaitCreation:SUCCEEDED",
      "place:SUCCEEDED",
      "grant:SUCCEEDED",
      "budget:SUCCEEDED",
      "tag:SUCCEEDED",
    ]);
    const accountId = record.body.accountId as string;
    const dev = await ouIdByPath("Workloads/Development");
    const parents = await org.send(new ListParentsCommand({ ChildId: accountId }));
    expect(parents.Parents?.[0]?.Id).toBe(dev);
    expect(record.body.ouId).toBe(dev);

    const ic = await identityCenterOf();
    const sets = ic.sets;
    const adminGroup = await ic.groupId("Admin");
    for (const ps of ["AdministratorAccess", "ReadOnlyAccess"]) {
      const out = await sso.send(
        new ListAccountAssignmentsCommand({
          InstanceArn: ic.instanceArn,
          AccountId: accountId,
          PermissionSetArn: sets.get(ps),
        }),
      );
      expect(
        out.AccountAssignments?.map((a) => a.PrincipalId),
        ps,
      ).toEqual([adminGroup]);
    }
    const payer = (await org.send(new DescribeOrganizationCommand({}))).Organization?.MasterAccountId;
    const budgetName = `quartermaster-${name}-${accountId}`;
    const budget = await budgets.send(
      new DescribeBudgetCommand({ AccountId: payer, BudgetName: budgetName }),
    );
    expect(budget.Budget).toMatchObject({
      BudgetType: "COST",
      TimeUnit: "MONTHLY",
      BudgetLimit: { Amount: "250.00", Unit: "USD" },
      CostFilters: { LinkedAccount: [accountId] },
    });
    const notifications = await budgets.send(
      new DescribeNotificationsForBudgetCommand({ AccountId: payer, BudgetName: budgetName }),
    );
    expect(notifications.Notifications?.map((n) => `${n.NotificationType}:${n.Threshold}`).sort()).toEqual([
      "ACTUAL:50",
      "ACTUAL:90",
    ]);
    const tags = await org.send(new ListTagsForResourceCommand({ ResourceId: accountId }));
    expect(tags.Tags).toEqual(
      expect.arrayContaining([
        { Key: "team", Value: "payments" },
        { Key: "cost-center", Value: "42" },
        { Key: "quartermaster:request-id", Value: accepted.body.requestId },
      ]),
    );
  });

  it("returns the same request for the same payload twice and makes one account", async () => {
    const name = unique("twice");

    const first = await call(api.url, "POST", "/accounts", body(name));
    const second = await call(api.url, "POST", "/accounts", body(name));
    await plane.runner.wait(first.body.executionArn);
    const third = await call(api.url, "POST", "/accounts", body(name));

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.requestId).toBe(first.body.requestId);
    expect(third.body.requestId).toBe(first.body.requestId);
    expect(await accountsWithEmail(`aws+${name}@example.com`)).toHaveLength(1);
  });

  it("uses the Idempotency-Key as the request id and execution name", async () => {
    const key = unique("key");
    const headers = { "idempotency-key": key };

    const first = await call(api.url, "POST", "/accounts", body(unique("keyed")), headers);
    const again = await call(api.url, "POST", "/accounts", { ...body(unique("other")) }, headers);
    await plane.runner.wait(first.body.executionArn);

    expect(first.body.requestId).toBe(key);
    expect(first.body.executionArn).toMatch(new RegExp(`:vend-account:${key}$`));
    expect(again.status).toBe(409);
  });

  it("answers 409 for the same email with a different payload", async () => {
    const name = unique("clash");
    const first = await call(api.url, "POST", "/accounts", body(name));

    const clash = await call(api.url, "POST", "/accounts", { ...body(name), tags: { team: "other" } });
    await plane.runner.wait(first.body.executionArn);

    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe("CONFLICT");
  });

  it("never lists the organisation's accounts on the request path", async () => {
    const before = plane.counter.get("Organizations.ListAccounts");

    const accepted = await call(api.url, "POST", "/accounts", body(unique("nolist")));

    expect(accepted.status).toBe(202);
    expect(plane.counter.get("Organizations.ListAccounts")).toBe(before);
    await plane.runner.wait(accepted.body.executionArn);
    expect(plane.counter.get("Organizations.ListAccounts")).toBe(before);
  });

  it("accepts an email an account outside Quartermaster uses, then fails EMAIL_ALREADY_EXISTS and leaves that account alone", async () => {
    const name = unique("foreign");
    const email = `aws+${name}@example.com`;
    const production = (await ouIdByPath("Workloads/Production", org)) as string;
    const foreign = await createForeignAccount(name, email, production);

    const accepted = await call(api.url, "POST", "/accounts", { ...body(unique("taker")), email });
    await plane.runner.wait(accepted.body.executionArn);
    const after = await call(api.url, "GET", `/accounts/requests/${accepted.body.requestId}`);

    expect(accepted.status).toBe(202);
    expect(after.body.status).toBe("FAILED");
    expect(after.body.error.code).toBe("EMAIL_ALREADY_EXISTS");
    expect(after.body.accountId).toBeUndefined();
    expect((await accountsWithEmail(email, org)).map((a) => a.Id)).toEqual([foreign]);
    const parents = await org.send(new ListParentsCommand({ ChildId: foreign }));
    expect(parents.Parents?.[0]?.Id).toBe(production);
    const tags = await org.send(new ListTagsForResourceCommand({ ResourceId: foreign }));
    expect(tags.Tags ?? []).toEqual([]);
  });

  it("rejects an unknown OU, group and permission set with 422 before creating anything", async () => {
    const name = unique("unknown");

    const res = await call(api.url, "POST", "/accounts", {
      ...body(name),
      ou: "Workloads/Nope",
      access: [{ group: "Nobody", permissionSets: ["NoSuchSet", "ReadOnlyAccess"] }],
    });

    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      "ou",
      "access.0.group",
      "access.0.permissionSets.0",
    ]);
    expect(await accountsWithEmail(body(name).email)).toEqual([]);
    expect(
      (await call(api.url, "GET", "/accounts/requests?limit=100")).body.items.some(
        (r: { request: { name: string } }) => r.request.name === name,
      ),
    ).toBe(false);
  });

  it("accepts an OU id as well as a path", async () => {
    const qa = await ouIdByPath("Workloads/QA");

    const res = await call(api.url, "POST", "/accounts", { ...body(unique("byid")), ou: qa });
    await plane.runner.wait(res.body.executionArn);
    const record = await call(api.url, "GET", res.body.links.self);

    expect(record.body.status).toBe("SUCCEEDED");
    expect(record.body.ouPath).toBe("Workloads/QA");
    const parents = await org.send(new ListParentsCommand({ ChildId: record.body.accountId }));
    expect(parents.Parents?.[0]?.Id).toBe(qa);
  });
});

describe("vending follows the baseline", () => {
  it("grants the OU's standing assignments with the request's own access, and lists both in grants", async () => {
    const name = unique("standing");
    const accepted = await call(api.url, "POST", "/accounts", {
      name,
      email: `aws+${name}@example.com`,
      ou: "Workloads/QA",
      access: [{ group: "Developers", permissionSets: ["ReadOnlyAccess"] }],
    });
    expect(accepted.status).toBe(202);
    await plane.runner.wait(accepted.body.executionArn);
    const view = (await call(api.url, "GET", `/accounts/requests/${accepted.body.requestId}`)).body;
    expect(view.status).toBe("SUCCEEDED");
    // examples/baseline.yaml, which the seed applied: Admin holds AdministratorAccess on every Workloads account.
    expect(view.grants).toEqual([
      { group: "Developers", permissionSet: "ReadOnlyAccess", source: "request" },
      { group: "Admin", permissionSet: "AdministratorAccess", source: "baseline" },
    ]);
    const { instanceArn, sets, groupId } = await identityCenterOf();
    const assigned = await sso.send(
      new ListAccountAssignmentsCommand({
        InstanceArn: instanceArn,
        AccountId: view.accountId,
        PermissionSetArn: sets.get("AdministratorAccess"),
      }),
    );
    expect(assigned.AccountAssignments?.map((a) => a.PrincipalId)).toEqual([await groupId("Admin")]);
  });
});
