import {
  CloseAccountCommand,
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListParentsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { CLOSURE_FAILED, CLOSURE_WAITING } from "../events/closures";
import { closeTask, runClosureTask } from "./tasks";

const org = mockClient(OrganizationsClient);
const sts = mockClient(STSClient);
const ACCOUNT = "222233334444";
const CLOSURE = `closure-${ACCOUNT}`;

/** An ACTIVE account in Sandbox/Team, a closure for it, and AWS answering as it does. */
async function harness(state = "ACTIVE") {
  const h = unitContext({ sandboxOuPaths: ["Sandbox"], leases: { quotaRetryHours: 6 } });
  await h.ctx.closures.create({
    closureId: CLOSURE,
    accountId: ACCOUNT,
    accountName: "box",
    status: "CLEANING",
    trigger: "api",
    steps: [],
    attempts: 1,
    createdAt: "2026-11-23T11:00:00.000Z",
    updatedAt: "2026-11-23T11:00:00.000Z",
  });
  org
    .on(DescribeAccountCommand)
    .resolves({ Account: { Id: ACCOUNT, Name: "box", State: state as "ACTIVE" } });
  org.on(DescribeOrganizationCommand).resolves({ Organization: { MasterAccountId: "111111111111" } });
  org
    .on(ListParentsCommand, { ChildId: ACCOUNT })
    .resolves({ Parents: [{ Id: "ou-ab12-team0001", Type: "ORGANIZATIONAL_UNIT" }] });
  org
    .on(ListParentsCommand, { ChildId: "ou-ab12-team0001" })
    .resolves({ Parents: [{ Id: "ou-ab12-sandbox1", Type: "ORGANIZATIONAL_UNIT" }] });
  org
    .on(ListParentsCommand, { ChildId: "ou-ab12-sandbox1" })
    .resolves({ Parents: [{ Id: "r-ab12", Type: "ROOT" }] });
  org.on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: "ou-ab12-team0001" }).resolves({
    OrganizationalUnit: { Id: "ou-ab12-team0001", Name: "Team" },
  });
  org.on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: "ou-ab12-sandbox1" }).resolves({
    OrganizationalUnit: { Id: "ou-ab12-sandbox1", Name: "Sandbox" },
  });
  sts.on(GetCallerIdentityCommand).resolves({ Account: "999999999999" });
  return h;
}

const constraint = (reason: string) =>
  Object.assign(new Error(`constraint: ${reason}`), {
    name: "ConstraintViolationException",
    Reason: reason,
    $fault: "client",
  });

beforeEach(() => {
  org.reset();
  sts.reset();
});

describe("the close task, against AWS's answers", () => {
  it("sends CloseAccount for an ACTIVE account and waits while it is PENDING_CLOSURE", async () => {
    const { ctx } = await harness();
    org.on(CloseAccountCommand).resolves({});

    expect(await closeTask(ctx, CLOSURE)).toEqual({ phase: "closing", waitSeconds: 60 });
    expect(org.commandCalls(CloseAccountCommand)[0]?.args[0].input).toEqual({ AccountId: ACCOUNT });
    expect((await ctx.closures.get(CLOSURE))?.status).toBe("CLOSING");

    org.on(DescribeAccountCommand).resolves({ Account: { Id: ACCOUNT, State: "PENDING_CLOSURE" } });
    expect(await closeTask(ctx, CLOSURE)).toEqual({ phase: "closing", waitSeconds: 60 });
    org.on(DescribeAccountCommand).resolves({ Account: { Id: ACCOUNT, State: "SUSPENDED" } });
    expect(await closeTask(ctx, CLOSURE)).toEqual({ phase: "closed", waitSeconds: 0 });
    expect(org.commandCalls(CloseAccountCommand)).toHaveLength(1);
  });

  it.each(["CLOSE_ACCOUNT_QUOTA_EXCEEDED", "CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED"])(
    "waits (WAITING_QUOTA, hours, announced once) when AWS answers %s, and does not fail",
    async (reason) => {
      const { ctx, events } = await harness();
      org.on(CloseAccountCommand).rejects(constraint(reason));

      expect(await closeTask(ctx, CLOSURE)).toEqual({ phase: "quota", waitSeconds: 6 * 3600 });
      expect(await closeTask(ctx, CLOSURE)).toEqual({ phase: "quota", waitSeconds: 6 * 3600 });

      const closure = await ctx.closures.get(CLOSURE);
      expect(closure).toMatchObject({ status: "WAITING_QUOTA", retryAt: "2026-11-23T18:00:00.000Z" });
      expect(closure?.error).toBeUndefined();
      expect(events.events.filter((e) => e.detailType === CLOSURE_WAITING)).toHaveLength(1);
      expect(events.events.filter((e) => e.detailType === CLOSURE_FAILED)).toHaveLength(0);
    },
  );

  it("retries CloseAccount's throttling with backoff, then closes", async () => {
    const { ctx, retry } = await harness();
    const throttled = Object.assign(new Error("slow down"), {
      name: "TooManyRequestsException",
      $fault: "client",
    });
    org.on(CloseAccountCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves({});

    expect(await closeTask(ctx, CLOSURE)).toEqual({ phase: "closing", waitSeconds: 60 });
    expect(org.commandCalls(CloseAccountCommand)).toHaveLength(3);
    expect(retry.delays.length).toBeGreaterThanOrEqual(2);
  });

  it("fails the closure with AWS's reason for any other refusal, and announces it once", async () => {
    const { ctx, events } = await harness();
    org.on(CloseAccountCommand).rejects(constraint("SERVICE_ACCESS_NOT_ENABLED"));

    await expect(runClosureTask(ctx, "close", { closureId: CLOSURE })).rejects.toThrow(
      /SERVICE_ACCESS_NOT_ENABLED/,
    );

    expect(await ctx.closures.get(CLOSURE)).toMatchObject({
      status: "FAILED",
      error: { code: "SERVICE_ACCESS_NOT_ENABLED", step: "close" },
    });
    expect(events.events.filter((e) => e.detailType === CLOSURE_FAILED)).toHaveLength(1);
  });

  it("takes AccountAlreadyClosedException as closing, not as a failure", async () => {
    const { ctx } = await harness();
    org
      .on(CloseAccountCommand)
      .rejects(
        Object.assign(new Error("already"), { name: "AccountAlreadyClosedException", $fault: "client" }),
      );

    expect((await closeTask(ctx, CLOSURE)).phase).toBe("closing");
  });

  it("never sends CloseAccount when the account has moved out of the closable OUs since the request", async () => {
    const { ctx } = await harness();
    org
      .on(ListParentsCommand, { ChildId: "ou-ab12-sandbox1" })
      .resolves({ Parents: [{ Id: "ou-ab12-work0001", Type: "ORGANIZATIONAL_UNIT" }] });
    org.on(DescribeOrganizationalUnitCommand, { OrganizationalUnitId: "ou-ab12-work0001" }).resolves({
      OrganizationalUnit: { Id: "ou-ab12-work0001", Name: "Workloads" },
    });
    org
      .on(ListParentsCommand, { ChildId: "ou-ab12-work0001" })
      .resolves({ Parents: [{ Id: "r-ab12", Type: "ROOT" }] });

    await expect(runClosureTask(ctx, "close", { closureId: CLOSURE })).rejects.toThrow(
      /outside the closable OUs/,
    );
    expect(org.commandCalls(CloseAccountCommand)).toHaveLength(0);
  });
});
