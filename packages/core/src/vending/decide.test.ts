import {
  GetGroupIdCommand,
  GetUserIdCommand,
  IdentitystoreClient,
  IsMemberInGroupsCommand,
  ListGroupMembershipsForMemberCommand,
} from "@aws-sdk/client-identitystore";
import { ListRootsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { unitContext, vendState } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { expireApprovals } from "../approvals/decide";
import type { ConfigInput } from "../config/config";
import { ConflictError, ForbiddenError } from "../errors";
import { REQUEST_DECIDED } from "../events/approvals";
import { decideRequest } from "./decide";

const ids = mockClient(IdentitystoreClient);
const org = mockClient(OrganizationsClient);

const RULES: ConfigInput = {
  identityCenter: { instanceArn: "arn:aws:sso:::instance/ssoins-1", identityStoreId: "d-1" },
  approvals: {
    rules: [{ ous: ["Workloads/Development"], approvers: ["alice@example.com", "group:Admin"] }],
    expireAfterHours: 72,
  },
};

/** A request waiting for approval, asked by bob, under the rule above. */
function waiting(config: ConfigInput = RULES) {
  const harness = unitContext(config);
  const state = vendState(harness.store);
  const record = harness.store.records.get(state.requestId);
  if (!record) throw new Error("no record");
  Object.assign(record, {
    status: "PENDING_APPROVAL",
    requester: "bob@example.com",
    approval: {
      rule: { ous: ["Workloads/Development"], approvers: ["alice@example.com", "group:Admin"] },
      expiresAt: "2026-11-26T12:00:00.000Z",
      refused: [],
    },
  });
  return { ...harness, requestId: state.requestId };
}

beforeEach(() => {
  ids.reset();
  org.reset();
  org.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-1" }] });
  ids.on(GetGroupIdCommand).resolves({ GroupId: "g-admin", IdentityStoreId: "d-1" });
});

describe("decideRequest", () => {
  it("approves for a listed approver (emails compare case-insensitively) and starts the workflow", async () => {
    const { ctx, store, workflows, events, requestId } = waiting();

    const record = await decideRequest(ctx, {
      requestId,
      action: "approve",
      by: "Alice@Example.com",
      via: "slack",
    });

    expect(record.status).toBe("RUNNING");
    expect(record.approval).toMatchObject({ decision: "APPROVED", by: "Alice@Example.com", via: "slack" });
    expect(workflows.started.map((s) => s.name)).toEqual([requestId]);
    expect(store.records.get(requestId)?.executionArn).toContain(requestId);
    expect(events.events.map((e) => e.detailType)).toEqual([REQUEST_DECIDED]);
  });

  it("approves for a member of a listed Identity Center group: GetUserId by email, then IsMemberInGroups", async () => {
    const { ctx, workflows, requestId } = waiting();
    ids.on(GetUserIdCommand).resolves({ UserId: "u-carol", IdentityStoreId: "d-1" });
    ids.on(IsMemberInGroupsCommand).resolves({ Results: [{ GroupId: "g-admin", MembershipExists: true }] });

    await decideRequest(ctx, { requestId, action: "approve", by: "carol@example.com", via: "api" });

    expect(ids.commandCalls(GetUserIdCommand)[0]?.args[0].input.AlternateIdentifier).toEqual({
      UniqueAttribute: { AttributePath: "emails.value", AttributeValue: "carol@example.com" },
    });
    expect(ids.commandCalls(IsMemberInGroupsCommand)[0]?.args[0].input).toMatchObject({
      MemberId: { UserId: "u-carol" },
      GroupIds: ["g-admin"],
    });
    expect(workflows.started).toHaveLength(1);
  });

  it("fails (never falls back) when IsMemberInGroups answers with an AWS error such as AccessDenied", async () => {
    const { ctx, workflows, requestId } = waiting();
    ids.on(GetUserIdCommand).resolves({ UserId: "u-carol", IdentityStoreId: "d-1" });
    ids
      .on(IsMemberInGroupsCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException", $fault: "client" }));

    await expect(
      decideRequest(ctx, { requestId, action: "approve", by: "carol@example.com", via: "api" }),
    ).rejects.toThrow(/denied/);
    expect(ids.commandCalls(ListGroupMembershipsForMemberCommand)).toHaveLength(0);
    expect(workflows.started).toHaveLength(0);
  });

  it("reads the user's memberships where IsMemberInGroups is not offered", async () => {
    const { ctx, workflows, requestId } = waiting();
    ids.on(GetUserIdCommand).resolves({ UserId: "u-carol", IdentityStoreId: "d-1" });
    ids
      .on(IsMemberInGroupsCommand)
      .rejects(Object.assign(new Error("not offered"), { name: "UnknownOperationException" }));
    ids.on(ListGroupMembershipsForMemberCommand).resolves({
      GroupMemberships: [
        { GroupId: "g-other", IdentityStoreId: "d-1" },
        { GroupId: "g-admin", IdentityStoreId: "d-1" },
      ],
    });

    await decideRequest(ctx, { requestId, action: "approve", by: "carol@example.com", via: "api" });

    expect(workflows.started).toHaveLength(1);
  });

  it("refuses (403) a non-approver, keeps the refused attempt, and changes nothing else", async () => {
    const { ctx, store, workflows, requestId } = waiting();
    ids.on(GetUserIdCommand).resolves({ UserId: "u-mallory", IdentityStoreId: "d-1" });
    ids.on(IsMemberInGroupsCommand).resolves({ Results: [{ GroupId: "g-admin", MembershipExists: false }] });

    const attempt = decideRequest(ctx, {
      requestId,
      action: "approve",
      by: "mallory@example.com",
      via: "slack",
    });

    await expect(attempt).rejects.toBeInstanceOf(ForbiddenError);
    await expect(attempt).rejects.toMatchObject({ code: "NOT_AN_APPROVER" });
    const record = store.records.get(requestId);
    expect(record?.status).toBe("PENDING_APPROVAL");
    expect(record?.approval?.refused).toEqual([
      {
        by: "mallory@example.com",
        at: "2026-11-23T12:00:00.000Z",
        why: expect.stringMatching(/not an approver/),
      },
    ]);
    expect(workflows.started).toHaveLength(0);
  });

  it("refuses the requester, even one who is an approver", async () => {
    const { ctx, store, requestId } = waiting();
    const record = store.records.get(requestId);
    if (record) record.requester = "ALICE@example.com";

    await expect(
      decideRequest(ctx, { requestId, action: "approve", by: "alice@example.com", via: "api" }),
    ).rejects.toMatchObject({ code: "OWN_REQUEST" });
    expect(store.records.get(requestId)?.approval?.refused[0]?.by).toBe("alice@example.com");
  });

  it("refuses a caller without an email", async () => {
    const { ctx, requestId } = waiting();

    await expect(
      decideRequest(ctx, { requestId, action: "approve", by: undefined, via: "api" }),
    ).rejects.toMatchObject({
      code: "UNKNOWN_CALLER",
    });
  });

  it("rejects: the request ends REJECTED with the reason, and nothing starts", async () => {
    const { ctx, workflows, requestId } = waiting();

    const record = await decideRequest(ctx, {
      requestId,
      action: "reject",
      by: "alice@example.com",
      reason: "no budget this quarter",
      via: "api",
    });

    expect(record.status).toBe("REJECTED");
    expect(record.approval).toMatchObject({ decision: "REJECTED", reason: "no budget this quarter" });
    expect(workflows.started).toHaveLength(0);
  });

  it("answers a second decision with 409 and changes nothing (the first one stands)", async () => {
    const { ctx, workflows, requestId, store } = waiting();
    await decideRequest(ctx, { requestId, action: "approve", by: "alice@example.com", via: "slack" });

    const second = decideRequest(ctx, { requestId, action: "reject", by: "alice@example.com", via: "slack" });

    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await expect(second).rejects.toThrow(/approved by alice@example.com/);
    expect(workflows.started).toHaveLength(1);
    expect(store.records.get(requestId)?.approval?.decision).toBe("APPROVED");
  });

  it("of two concurrent decisions, exactly one wins", async () => {
    const { ctx, workflows, requestId } = waiting();

    const outcomes = await Promise.allSettled([
      decideRequest(ctx, { requestId, action: "approve", by: "alice@example.com", via: "slack" }),
      decideRequest(ctx, { requestId, action: "reject", by: "alice@example.com", via: "api" }),
    ]);

    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(1);
    expect(workflows.started.length).toBeLessThanOrEqual(1);
  });

  it("expires instead of deciding once the window has passed", async () => {
    const { ctx, clock, workflows, requestId, store } = waiting();
    clock.now = new Date("2026-11-26T12:00:00.000Z");

    await expect(
      decideRequest(ctx, { requestId, action: "approve", by: "alice@example.com", via: "slack" }),
    ).rejects.toThrow(/EXPIRED/);
    expect(store.records.get(requestId)?.status).toBe("EXPIRED");
    expect(workflows.started).toHaveLength(0);
  });
});

describe("expireApprovals", () => {
  it("expires only the undecided requests past their window, once", async () => {
    const { ctx, clock, store, events, requestId } = waiting();
    const later = vendState(store);
    Object.assign(store.records.get(later.requestId) ?? {}, {
      status: "PENDING_APPROVAL",
      approval: {
        rule: { ous: ["Sandbox"], approvers: ["a@example.com"] },
        expiresAt: "2026-12-01T00:00:00.000Z",
        refused: [],
      },
    });
    clock.now = new Date("2026-11-26T12:00:01.000Z");

    expect(await expireApprovals(ctx)).toBe(1);
    expect(await expireApprovals(ctx)).toBe(0);
    expect(store.records.get(requestId)?.status).toBe("EXPIRED");
    expect(store.records.get(requestId)?.approval?.decision).toBe("EXPIRED");
    expect(store.records.get(later.requestId)?.status).toBe("PENDING_APPROVAL");
    expect(events.events).toEqual([
      {
        detailType: REQUEST_DECIDED,
        detail: expect.objectContaining({ requestId, decision: "EXPIRED", via: "expiry" }),
      },
    ]);
  });
});
