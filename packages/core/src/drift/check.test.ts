import { ListAccountsCommand, ListParentsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ListInstancesCommand, SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { unitContext, vendRecord } from "../../../../test/support/unit-context";
import { ValidationError } from "../errors";
import { DRIFT_DETECTED } from "../events/drift";
import { checkAccount, finishCheck, startCheck, startDriftCheck } from "./check";
import { expectedAccount } from "./compare";

const org = mockClient(OrganizationsClient);
const s3 = mockClient(S3Client);
const sso = mockClient(SSOAdminClient);

const finding = { kind: "tag" as const, key: "team", expected: "payments", actual: null };

function running(ctx: ReturnType<typeof unitContext>["ctx"], total: number) {
  return ctx.drift.createCheck({
    checkId: "drc-1",
    status: "RUNNING",
    trigger: "api",
    total,
    excludedAtStart: 0,
    startedAt: "2026-11-23T11:00:00Z",
  });
}

describe("a drift check", () => {
  beforeEach(() => {
    org.reset();
    s3.reset();
    sso.reset();
  });

  it("takes no fields (422), and starts the drift workflow named after the check", async () => {
    const { ctx, workflows } = unitContext();
    await expect(startDriftCheck(ctx, { dryRun: true })).rejects.toBeInstanceOf(ValidationError);
    const check = await startDriftCheck(ctx, {}, "ops@example.com");
    expect(workflows.started).toEqual([
      { workflow: "drift", name: check.checkId, input: { action: "check", checkId: check.checkId } },
    ]);
    expect((await ctx.drift.getCheck(check.checkId))?.executionArn).toMatch(/:drift:drc-/);
  });

  it("compares only ACTIVE accounts: closed, suspended and departed ones are excluded with the reason", async () => {
    const { ctx, store } = unitContext();
    const vended = (id: string, requestId: string) =>
      store.records.set(requestId, vendRecord({ requestId, status: "SUCCEEDED", accountId: id }));
    vended("111111111111", "req-active");
    vended("222222222222", "req-suspended");
    vended("333333333333", "req-gone");
    vended("444444444444", "req-closed");
    await ctx.closures.create({
      closureId: "closure-444444444444",
      accountId: "444444444444",
      accountName: "x",
      status: "CLOSED",
      trigger: "api",
      steps: [],
      attempts: 1,
      createdAt: "2026-11-23T11:00:00Z",
      updatedAt: "2026-11-23T11:00:00Z",
    });
    org.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: "111111111111", State: "ACTIVE" },
        { Id: "222222222222", State: "SUSPENDED" },
        { Id: "444444444444", State: "SUSPENDED" },
      ],
    });
    sso.on(ListInstancesCommand).resolves({
      Instances: [{ InstanceArn: "arn:aws:sso:::instance/ssoins-1", IdentityStoreId: "d-1" }],
    });
    s3.on(PutObjectCommand).resolves({});

    const state = await startCheck(ctx, {}, "arn:aws:states:us-east-1:1:execution:drift:drc-sched");

    expect(state.checkId).toBe("drc-sched");
    expect(state.items.count).toBe(1);
    const items = JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body));
    expect(items.map((i: { accountId: string }) => i.accountId)).toEqual(["111111111111"]);
    const page = await ctx.drift.page("drc-sched", { limit: 10 });
    expect(page.excluded).toEqual([
      {
        accountId: "222222222222",
        requestId: "req-suspended",
        reason: expect.stringMatching(/^not ACTIVE \(SUSPENDED\)/),
      },
      { accountId: "333333333333", requestId: "req-gone", reason: "no longer in the organisation" },
      { accountId: "444444444444", requestId: "req-closed", reason: "closed (closure closure-444444444444)" },
    ]);
    expect((await ctx.drift.getCheck("drc-sched"))?.trigger).toBe("schedule");
  });

  it("records an account it cannot read as excluded with the error, not as a failed check", async () => {
    const { ctx } = unitContext();
    const record = { ...vendRecord({ requestId: "req-1", status: "SUCCEEDED" }), accountId: "111122223333" };
    org
      .on(ListParentsCommand)
      .rejects(Object.assign(new Error("not allowed"), { name: "AccessDeniedException" }));

    await checkAccount(ctx, "drc-1", {
      accountId: record.accountId,
      requestId: record.requestId,
      accountName: record.request.name,
      instanceArn: record.resolved.instanceArn,
      expected: expectedAccount(record, ctx.config, undefined),
    });

    expect((await ctx.drift.page("drc-1", { limit: 10 })).excluded).toEqual([
      {
        accountId: "111122223333",
        requestId: "req-1",
        reason:
          "could not be checked: TerminalAwsError: organizations:ListParents: AccessDeniedException: not allowed",
      },
    ]);
  });

  it("announces drift once, with the counts and the first accounts, and a clean check not at all", async () => {
    const drifty = unitContext();
    await running(drifty.ctx, 2);
    await drifty.ctx.drift.putResult("drc-1", {
      outcome: "drifted",
      account: { accountId: "111122223333", requestId: "req-1", accountName: "pay", findings: [finding] },
    });
    await drifty.ctx.drift.putResult("drc-1", { outcome: "clean", accountId: "444455556666" });

    expect(await finishCheck(drifty.ctx, { checkId: "drc-1" }, "arn")).toEqual({ status: "SUCCEEDED" });
    expect(await finishCheck(drifty.ctx, { checkId: "drc-1" }, "arn")).toEqual({ status: "SUCCEEDED" });
    expect(drifty.events.events).toEqual([
      {
        detailType: DRIFT_DETECTED,
        detail: {
          checkId: "drc-1",
          checked: 2,
          drifted: 1,
          excluded: 0,
          baselineChanges: 0,
          accounts: [{ accountId: "111122223333", accountName: "pay", kinds: ["tag"], findings: 1 }],
          report: "/drift/checks/drc-1",
        },
      },
    ]);

    const clean = unitContext();
    await running(clean.ctx, 1);
    await clean.ctx.drift.putResult("drc-1", { outcome: "clean", accountId: "444455556666" });
    await finishCheck(clean.ctx, { checkId: "drc-1" }, "arn");
    expect(clean.events.events).toEqual([]);
    expect((await clean.ctx.drift.getCheck("drc-1"))?.summary).toEqual({
      checked: 1,
      drifted: 0,
      excluded: 0,
    });
  });

  it("ends FAILED when an account never reported, naming how many", async () => {
    const { ctx } = unitContext();
    await running(ctx, 3);
    await ctx.drift.putResult("drc-1", { outcome: "clean", accountId: "444455556666" });
    expect(await finishCheck(ctx, { checkId: "drc-1" }, "arn")).toEqual({ status: "FAILED" });
    expect((await ctx.drift.getCheck("drc-1"))?.error).toEqual({
      code: "ACCOUNTS_UNCHECKED",
      message: "2 account(s) did not report",
    });
  });
});
