import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  CloseAccountCommand,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topicTemplate } from "../../packages/local/src/reference-org";
import {
  ensureAccount,
  ensureOuPath,
  ensureStack,
  memberCloudFormation,
} from "../../packages/local/src/seed";
import { TEST_REGION } from "../support/aws-env";
import { ouIdByPath } from "../support/org";
import { call, unique, useApi } from "../support/plane";
import { startWebhook } from "../support/webhook";

const org = new OrganizationsClient({ region: TEST_REGION });
const sandboxOu = unique("LeaseT");
const hook = await startWebhook();
afterAll(() => hook.close());

const api = useApi({
  config: {
    sandboxOuPaths: [sandboxOu],
    cleanup: { regions: [TEST_REGION] },
    leases: { warnHoursBefore: 24 },
  },
  slackWebhookUrl: hook.url,
});

async function seedAccount(ouPath: string, stacks = true) {
  const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const ouId = await ensureOuPath(org, rootId, ouPath);
  const name = unique("closeme");
  const id = await ensureAccount(org, rootId, { name, email: `aws+${name}@example.com` }, ouId);
  if (stacks) {
    const cfn = await memberCloudFormation(TEST_REGION, id);
    await ensureStack(cfn, {
      name: "scratch",
      template: topicTemplate(),
      tags: {},
      terminationProtection: false,
    });
    await ensureStack(cfn, {
      name: "keep-me",
      template: topicTemplate(),
      tags: { "quartermaster:protect": "true" },
      terminationProtection: false,
    });
  }
  return id;
}

async function stateOf(accountId: string) {
  const account = (await org.send(new DescribeAccountCommand({ AccountId: accountId }))).Account;
  return account?.State ?? account?.Status;
}

async function parentOf(accountId: string) {
  return (await org.send(new ListParentsCommand({ ChildId: accountId }))).Parents?.[0]?.Id;
}

async function settle() {
  await api.plane.runner.idle();
  await api.plane.events.drain();
}

describe("POST /accounts/{accountId}/close", () => {
  let accountId: string;
  beforeAll(async () => {
    accountId = await seedAccount(`${sandboxOu}/Team`);
  });

  it("cleans the account (protected stacks stay and are listed), closes it, parks it in Suspended and tells Slack", async () => {
    const res = await call(api.url, "POST", `/accounts/${accountId}/close`, { reason: "project over" });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      closureId: `closure-${accountId}`,
      links: { self: `/closures/closure-${accountId}` },
    });
    await settle();

    const closure = await call(api.url, "GET", res.body.links.self);
    expect(closure.body.error).toBeUndefined();
    expect(closure.body).toMatchObject({
      status: "CLOSED",
      trigger: "api",
      reason: "project over",
      closedOuPath: "Suspended",
      remaining: [expect.objectContaining({ stack: "keep-me", region: TEST_REGION })],
    });
    expect(closure.body.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ["cleanup", "SUCCEEDED"],
      ["close", "SUCCEEDED"],
      ["move", "SUCCEEDED"],
      ["announce", "SUCCEEDED"],
    ]);
    expect(await stateOf(accountId)).toBe("SUSPENDED");
    expect(await parentOf(accountId)).toBe(await ouIdByPath("Suspended"));
    const run = await call(api.url, "GET", `/cleanup/runs/${closure.body.cleanupRunId}`);
    expect(run.body).toMatchObject({ trigger: "closure", dryRun: false });
    expect(run.body.accounts[0].regions[0].deleted).toEqual(["scratch"]);
    const cfn = await memberCloudFormation(TEST_REGION, accountId);
    const left = (await cfn.send(new DescribeStacksCommand({}))).Stacks?.map((s) => s.StackName);
    expect(left).toEqual(["keep-me"]);
    const texts = hook.posts.map((p) => p.body.text);
    expect(texts.some((t) => t.includes(`Account closed`) && t.includes(accountId))).toBe(true);
    // The closure's own clean-up is not announced on its own.
    expect(texts.some((t) => t.includes(closure.body.cleanupRunId))).toBe(false);
  });

  it("gives the same closure for the same account twice", async () => {
    const again = await call(api.url, "POST", `/accounts/${accountId}/close`, {});

    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ closureId: `closure-${accountId}`, status: "CLOSED" });
  });

  it("refuses the management account, an account outside the closable OUs (403), an unknown one (404) and one not ACTIVE (409)", async () => {
    const management = (await org.send(new DescribeOrganizationCommand({}))).Organization?.MasterAccountId;
    const workload = await seedAccount(unique("WorkT"), false);
    const closedByHand = await seedAccount(`${sandboxOu}/Gone`, false);
    await org.send(new CloseAccountCommand({ AccountId: closedByHand }));

    expect((await call(api.url, "POST", `/accounts/${management}/close`, {})).status).toBe(403);
    const outside = await call(api.url, "POST", `/accounts/${workload}/close`, {});
    expect(outside.status).toBe(403);
    expect(outside.body.error.message).toMatch(/outside the closable OUs/);
    expect((await call(api.url, "POST", "/accounts/999999999999/close", {})).status).toBe(404);
    expect((await call(api.url, "POST", "/accounts/not-an-account/close", {})).status).toBe(404);
    expect((await call(api.url, "POST", `/accounts/${closedByHand}/close`, {})).status).toBe(409);
    expect((await call(api.url, "POST", `/accounts/${workload}/close`, { force: true })).status).toBe(422);
    expect(await stateOf(workload)).toBe("ACTIVE");
    expect((await call(api.url, "GET", `/closures/closure-${workload}`)).status).toBe(404);
  });

  it("dry-runs: reports what would be cleaned and where it would go, and changes nothing", async () => {
    const target = await seedAccount(`${sandboxOu}/Dry`);

    const res = await call(api.url, "POST", `/accounts/${target}/close`, { dryRun: true });
    await settle();

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, accountId: target, wouldMoveTo: "Suspended" });
    const run = await call(api.url, "GET", res.body.links.cleanup);
    expect(run.body).toMatchObject({ dryRun: true, trigger: "closure" });
    expect(run.body.accounts[0].regions[0].deleted).toEqual(["scratch"]);
    expect(await stateOf(target)).toBe("ACTIVE");
    expect((await call(api.url, "GET", `/closures/closure-${target}`)).status).toBe(404);
  });

  it("lists closures newest first", async () => {
    const page = await call(api.url, "GET", "/closures?limit=100");

    expect(page.status).toBe(200);
    expect(page.body.items.map((c: { closureId: string }) => c.closureId)).toContain(`closure-${accountId}`);
  });
});

describe("leases", () => {
  it("vends a leased sandbox account, warns before the end, then closes it when the lease ends", async () => {
    const name = unique("leased");
    const expiresAt = new Date(Date.now() + 4000).toISOString();
    const res = await call(api.url, "POST", "/accounts", {
      name,
      email: `aws+${name}@example.com`,
      ou: sandboxOu,
      lease: { expiresAt },
    });
    expect(res.status).toBe(202);
    await settle();
    const vended = await call(api.url, "GET", res.body.links.self);
    expect(vended.body).toMatchObject({ status: "SUCCEEDED", lease: { expiresAt, status: "ACTIVE" } });
    expect(hook.posts.some((p) => p.body.text.includes(`Account ready: ${name}`))).toBe(true);
    expect(
      JSON.stringify(hook.posts.find((p) => p.body.text.includes(`Account ready: ${name}`))?.body),
    ).toContain("Lease ends");

    await api.plane.housekeeping();
    await settle();
    const warned = await call(api.url, "GET", res.body.links.self);
    expect(warned.body.lease.warnedAt).toBeDefined();
    expect(hook.posts.filter((p) => p.body.text.startsWith(`Lease ending: account ${name}`))).toHaveLength(1);
    await api.plane.housekeeping();
    await settle();
    expect(hook.posts.filter((p) => p.body.text.startsWith(`Lease ending: account ${name}`))).toHaveLength(1);

    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expiresAt) - Date.now() + 100)));
    await api.plane.housekeeping();
    await settle();

    const ended = await call(api.url, "GET", res.body.links.self);
    const accountId = ended.body.accountId as string;
    expect(ended.body.lease).toMatchObject({ status: "CLOSED", closureId: `closure-${accountId}` });
    const closure = await call(api.url, "GET", `/closures/closure-${accountId}`);
    expect(closure.body).toMatchObject({ status: "CLOSED", trigger: "lease", requestId: res.body.requestId });
    expect(await stateOf(accountId)).toBe("SUSPENDED");
  });

  it("ends a lease whose account was closed on request before it, without a second closure", async () => {
    await ensureOuPath(org, (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string, sandboxOu);
    const name = unique("closedfirst");
    const expiresAt = new Date(Date.now() + 2500).toISOString();
    const res = await call(api.url, "POST", "/accounts", {
      name,
      email: `aws+${name}@example.com`,
      ou: sandboxOu,
      lease: { expiresAt },
    });
    await settle();
    const accountId = (await call(api.url, "GET", res.body.links.self)).body.accountId as string;
    await call(api.url, "POST", `/accounts/${accountId}/close`, { reason: "done early" });
    await settle();

    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expiresAt) - Date.now() + 100)));
    await api.plane.housekeeping();
    await settle();

    const ended = await call(api.url, "GET", res.body.links.self);
    expect(ended.body.lease).toMatchObject({ status: "CLOSED", closureId: `closure-${accountId}` });
    const closure = await call(api.url, "GET", `/closures/closure-${accountId}`);
    expect(closure.body).toMatchObject({ status: "CLOSED", trigger: "api", attempts: 1 });
  });

  it("extends or shortens an active lease, 409 without one, 422 for a lease outside the sandbox OUs", async () => {
    const name = unique("extend");
    const res = await call(api.url, "POST", "/accounts", {
      name,
      email: `aws+${name}@example.com`,
      ou: sandboxOu,
      lease: { hours: 72 },
    });
    await settle();

    const longer = await call(api.url, "POST", `${res.body.links.self}/lease`, { hours: 120 });
    expect(longer.status).toBe(200);
    expect(Date.parse(longer.body.lease.expiresAt) - Date.now()).toBeGreaterThan(119 * 3_600_000);
    expect((await call(api.url, "POST", `${res.body.links.self}/lease`, { hours: 0 })).status).toBe(422);
    expect(
      (
        await call(api.url, "POST", `${res.body.links.self}/lease`, {
          hours: 1,
          expiresAt: new Date().toISOString(),
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await call(api.url, "POST", `${res.body.links.self}/lease`, {
          expiresAt: new Date(Date.now() - 1000).toISOString(),
        })
      ).status,
    ).toBe(422);

    const plain = unique("nolease");
    const unleased = await call(api.url, "POST", "/accounts", {
      name: plain,
      email: `aws+${plain}@example.com`,
      ou: sandboxOu,
    });
    expect((await call(api.url, "POST", `${unleased.body.links.self}/lease`, { hours: 5 })).status).toBe(409);
    const work = unique("worklease");
    const outside = await call(api.url, "POST", "/accounts", {
      name: work,
      email: `aws+${work}@example.com`,
      ou: "Workloads/Development",
      lease: { hours: 5 },
    });
    expect(outside.status).toBe(422);
    expect(outside.body.error.details).toEqual([expect.objectContaining({ path: "lease" })]);
    await settle();
  });
});
