import { BudgetsClient, CreateBudgetCommand, DescribeBudgetCommand } from "@aws-sdk/client-budgets";
import { DescribeOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "../errors";
import { getReconcile, startReconcile } from "./jobs";
import { finishReconcile, reconcileAccount } from "./reconcile";

const org = mockClient(OrganizationsClient);
const budgets = mockClient(BudgetsClient);

beforeEach(() => {
  org.reset();
  budgets.reset();
  org.on(DescribeOrganizationCommand).resolves({ Organization: { MasterAccountId: "111111111111" } });
});

const notFound = () =>
  Object.assign(new Error("no such budget"), { name: "NotFoundException", $fault: "client", $metadata: {} });

describe("the budget reconcile", () => {
  it("records a RUNNING job and starts its workflow, calling no AWS API on the request", async () => {
    const { ctx, workflows } = unitContext();

    const job = await startReconcile(ctx, {});

    expect(job.status).toBe("RUNNING");
    expect(workflows.started).toEqual([
      { workflow: "budget-reconcile", name: job.reconcileId, input: { reconcileId: job.reconcileId } },
    ]);
    expect(await ctx.reconciles.get(job.reconcileId)).toMatchObject({
      status: "RUNNING",
      createdCount: 0,
      executionArn: expect.stringContaining(job.reconcileId),
    });
    expect(org.calls()).toHaveLength(0);
  });

  it("refuses a body with fields (422) and starts nothing", async () => {
    const { ctx, workflows } = unitContext();

    await expect(startReconcile(ctx, { dryRun: true })).rejects.toBeInstanceOf(ValidationError);
    await expect(startReconcile(ctx, [])).rejects.toBeInstanceOf(ValidationError);
    expect(workflows.started).toEqual([]);
  });

  it("marks the job FAILED when its workflow cannot start, and fails the request", async () => {
    const { ctx } = unitContext();
    ctx.workflows.start = async () => {
      throw Object.assign(new Error("busy"), { name: "ThrottlingException" });
    };

    await expect(startReconcile(ctx, {})).rejects.toThrow(/busy/);
    const [job] = [...(ctx.reconciles as unknown as { jobs: Map<string, { status: string }> }).jobs.values()];
    expect(job).toMatchObject({ status: "FAILED", error: { code: "NOT_STARTED" } });
  });

  it("creates an account's budget once however often its task runs, and records a refusal as that account's failure", async () => {
    const { ctx } = unitContext();
    const job = await startReconcile(ctx, {});
    budgets.on(DescribeBudgetCommand).rejects(notFound());
    budgets.on(CreateBudgetCommand).resolves({});
    const account = { accountId: "222233334444", name: "old" };

    const first = await reconcileAccount(ctx, { reconcileId: job.reconcileId, account });
    const again = await reconcileAccount(ctx, { reconcileId: job.reconcileId, account });
    budgets.on(CreateBudgetCommand).rejects(
      Object.assign(new Error("not allowed"), {
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: {},
      }),
    );
    const refused = await reconcileAccount(ctx, {
      reconcileId: job.reconcileId,
      account: { accountId: "333344445555", name: "locked" },
    });

    expect([first, again, refused]).toEqual([{ created: true }, { created: true }, { created: false }]);
    expect(await ctx.reconciles.get(job.reconcileId)).toMatchObject({
      createdCount: 1,
      failedCount: 1,
      failures: [{ accountId: "333344445555", reason: expect.stringMatching(/not allowed/) }],
    });
  });

  it("ends FAILED, naming how many, when some account got no budget (one never reported), and SUCCEEDED otherwise", async () => {
    const { ctx } = unitContext();
    const job = await startReconcile(ctx, {});
    await ctx.reconciles.update(job.reconcileId, { toCreate: 3, unchanged: 4 });
    await ctx.reconciles.recordCreated(job.reconcileId, { accountId: "222233334444", budgetName: "b" });
    const clean = await startReconcile(ctx, {});
    await ctx.reconciles.update(clean.reconcileId, { toCreate: 1 });
    await ctx.reconciles.recordCreated(clean.reconcileId, { accountId: "222233334444", budgetName: "b" });

    await finishReconcile(ctx, { reconcileId: job.reconcileId }, "arn");
    await finishReconcile(ctx, { reconcileId: clean.reconcileId }, "arn");

    expect(await getReconcile(ctx, job.reconcileId)).toMatchObject({
      status: "FAILED",
      error: {
        code: "BUDGETS_NOT_CREATED",
        message: "2 of 3 accounts did not get their budget (2 did not complete)",
      },
      createdCount: 1,
      unchanged: 4,
    });
    expect(await getReconcile(ctx, clean.reconcileId)).toMatchObject({
      status: "SUCCEEDED",
      createdCount: 1,
    });
  });

  it("serves the created budgets a page at a time, in account order, with the counts on every page", async () => {
    const { ctx } = unitContext();
    const job = await startReconcile(ctx, {});
    for (const id of ["444455556666", "222233334444", "333344445555"])
      await ctx.reconciles.recordCreated(job.reconcileId, { accountId: id, budgetName: `b-${id}` });

    const first = await getReconcile(ctx, job.reconcileId, { limit: "2" });
    const second = await getReconcile(ctx, job.reconcileId, { limit: "2", next: first.next });

    expect(first.created.map((c) => c.accountId)).toEqual(["222233334444", "333344445555"]);
    expect(second.created.map((c) => c.accountId)).toEqual(["444455556666"]);
    expect(second.next).toBeUndefined();
    expect([first.createdCount, second.createdCount]).toEqual([3, 3]);
    await expect(getReconcile(ctx, job.reconcileId, { next: "bm90LWFuLWlk" })).rejects.toThrow(
      /Invalid pagination/,
    );
  });
});
