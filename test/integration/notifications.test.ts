import { BudgetsClient, DescribeBudgetsCommand } from "@aws-sdk/client-budgets";
import {
  DescribeOrganizationCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNotifier } from "../../packages/functions/src/notifier";
import { ensureAccount, ensureOuPath } from "../../packages/local/src/seed";
import { TEST_REGION } from "../support/aws-env";
import { call, serveApi, testPlane, unique } from "../support/plane";
import { startWebhook } from "../support/webhook";

const org = new OrganizationsClient({ region: TEST_REGION });
const budgets = new BudgetsClient({ region: TEST_REGION });

describe("notifications and budgets against the emulator", () => {
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let plane: ReturnType<typeof testPlane>;
  let api: Awaited<ReturnType<typeof serveApi>>;
  const budgetOu = unique("BudgetT");

  beforeAll(async () => {
    hook = await startWebhook();
    plane = testPlane({ slackWebhookUrl: hook.url, config: { budgetOuPaths: [budgetOu] } });
    api = await serveApi(plane);
  });
  afterAll(async () => {
    await api.close();
    await hook.close();
  });

  it("posts exactly one ready message with the account id and the assume line for a full vend", async () => {
    const name = unique("slack");

    const res = await call(api.url, "POST", "/accounts", {
      name,
      email: `aws+${name}@example.com`,
      ou: "Workloads/QA",
      access: [{ group: "Developers", permissionSets: ["ReadOnlyAccess"] }],
    });
    await plane.runner.wait(res.body.executionArn);
    await plane.events.drain();
    const record = await call(api.url, "GET", res.body.links.self);

    const ready = hook.posts.filter(
      (p) => p.body.text.startsWith("Account ready") && p.body.text.includes(name),
    );
    expect(ready).toHaveLength(1);
    const body = JSON.stringify(ready[0]?.body.blocks);
    expect(body).toContain(record.body.accountId);
    expect(body).toContain(`assume ${name}/ReadOnlyAccess`);
  });

  it("posts one message for a failed vend, not one per path the failure travels", async () => {
    const failing = testPlane({
      slackWebhookUrl: hook.url,
      faults: "Organizations.MoveAccount=AccessDeniedException:1",
    });
    const served = await serveApi(failing);
    const name = unique("onefail");
    try {
      const accepted = await call(served.url, "POST", "/accounts", {
        name,
        email: `aws+${name}@example.com`,
        ou: "Workloads/QA",
      });
      await failing.runner.idle();
      await failing.events.drain();

      const about = hook.posts.filter((p) => JSON.stringify(p.body).includes(accepted.body.requestId));
      expect((await call(served.url, "GET", accepted.body.links.self)).body.status).toBe("FAILED");
      expect(about).toHaveLength(1);
      expect(about[0]?.body.text).toMatch(/fail/i);
    } finally {
      await served.close();
    }
  });

  it("does not post twice when the same event is delivered twice", async () => {
    const before = hook.posts.length;
    const event = {
      id: unique("evt"),
      source: "quartermaster",
      "detail-type": "Account Vending Failed",
      detail: {
        requestId: "req-x",
        accountName: "dup",
        step: "place",
        code: "ACCESS_DENIED",
        message: "denied",
      },
    };
    const deps = { webhookUrl: async () => hook.url, onPermanentFailure: () => undefined };

    const first = await runNotifier(plane.ctx, deps, event);
    const second = await runNotifier(plane.ctx, deps, event);

    expect(first).toEqual(["posted"]);
    expect(second).toEqual(["duplicate"]);
    expect(hook.posts.length - before).toBe(1);
  });

  /** POST /budgets/reconcile answers 202 at once; the job's workflow fans out over the accounts and is polled. */
  async function reconcileAndWait() {
    const accepted = await call(api.url, "POST", "/budgets/reconcile");
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("location")).toBe(accepted.body.links.self);
    await plane.runner.idle();
    const job = await call(api.url, "GET", accepted.body.links.self);
    expect(job.status).toBe(200);
    expect(job.body.reconcileId).toBe(accepted.body.reconcileId);
    return job.body;
  }

  it("reconcile gives budgets only to accounts under the configured OUs that lack one", async () => {
    const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
    const ouId = await ensureOuPath(org, rootId, `${budgetOu}/Team`);
    const older = [];
    for (const label of ["legacy-a", "legacy-b"]) {
      const name = unique(label);
      older.push(await ensureAccount(org, rootId, { name, email: `aws+${name}@example.com` }, ouId));
    }

    const first = await reconcileAndWait();
    const second = await reconcileAndWait();

    expect(first.status).toBe("SUCCEEDED");
    expect(first.created.map((c: { accountId: string }) => c.accountId).sort()).toEqual(older.sort());
    expect(first).toMatchObject({ createdCount: 2, failedCount: 0 });
    expect(second).toMatchObject({ status: "SUCCEEDED", created: [], createdCount: 0, unchanged: 2 });
    const payer = (await org.send(new DescribeOrganizationCommand({}))).Organization?.MasterAccountId;
    const all =
      (await budgets.send(new DescribeBudgetsCommand({ AccountId: payer, MaxResults: 100 }))).Budgets ?? [];
    for (const id of older)
      expect(all.filter((b) => b.CostFilters?.LinkedAccount?.includes(id))).toHaveLength(1);
  });
});
