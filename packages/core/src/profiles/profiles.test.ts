import {
  GetGroupIdCommand,
  GetUserIdCommand,
  IdentitystoreClient,
  ListGroupMembershipsForMemberCommand,
} from "@aws-sdk/client-identitystore";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { MemoryBaselineStore } from "../../../../test/support/memory-store";
import { unitContext, vendRecord, vendRequest } from "../../../../test/support/unit-context";
import type { ClosureRecord } from "../store/closures";
import type { VendRequestRecord } from "../store/requests/record";
import { parseIni } from "./ini";
import { listProfiles, profilesIni } from "./profiles";

const identityStore = mockClient(IdentitystoreClient);
const IC = { instanceArn: "arn:aws:sso:::instance/ssoins-1", identityStoreId: "d-1234567890" };

let n = 0;
function vended(
  setup: ReturnType<typeof unitContext>,
  o: {
    name: string;
    accountId: string;
    ouPath?: string;
    access?: [string, string[]][];
  } & Partial<VendRequestRecord>,
): VendRequestRecord {
  n += 1;
  const { name, accountId, ouPath = "Workloads/Development", access = [], ...rest } = o;
  const record = vendRecord({
    requestId: `req-${n}`,
    status: "SUCCEEDED",
    request: vendRequest({ name, email: `aws+${name.replace(/ /g, "")}@example.com` }),
    resolved: {
      ouId: "ou-abcd-11111111",
      ouPath,
      instanceArn: IC.instanceArn,
      access: access.map(([group, sets]) => ({
        group,
        groupId: `g-${group}`,
        permissionSets: sets.map((s) => ({ name: s, arn: `arn:${s}` })),
      })),
    },
    accountId,
    createdAt: `2026-11-2${n % 10}T10:00:00.000Z`,
    ...rest,
  });
  setup.store.records.set(record.requestId, record);
  return record;
}

function closure(accountId: string, status: ClosureRecord["status"]): ClosureRecord {
  return {
    closureId: `closure-${accountId}`,
    accountId,
    accountName: "x",
    status,
    trigger: "api",
    steps: [],
    attempts: 1,
    createdAt: "2026-11-23T11:00:00.000Z",
    updatedAt: "2026-11-23T11:00:00.000Z",
  };
}

const anyone = async () => undefined;

describe("GET /profiles", () => {
  let setup: ReturnType<typeof unitContext>;
  beforeEach(() => {
    identityStore.reset();
    setup = unitContext({ identityCenter: IC, homeRegion: "eu-west-1" });
  });

  it("hands out one profile per account and permission set, named as the Slack assume line names it", async () => {
    vended(setup, {
      name: "payments dev.v2",
      accountId: "111111111111",
      access: [["Admin", ["AdministratorAccess", "ReadOnlyAccess"]]],
    });
    vended(setup, { name: "data", accountId: "222222222222", access: [["Developers", ["ReadOnlyAccess"]]] });

    const { format, profiles } = await listProfiles(setup.ctx, {}, anyone);

    expect(format).toBe("ini");
    expect(profiles.map((p) => p.name)).toEqual([
      "data/ReadOnlyAccess",
      "payments-dev.v2/AdministratorAccess",
      "payments-dev.v2/ReadOnlyAccess",
    ]);
    expect(profiles[1]).toMatchObject({
      accountId: "111111111111",
      accountName: "payments dev.v2",
      permissionSet: "AdministratorAccess",
      startUrl: "https://d-1234567890.awsapps.com/start",
      ssoRegion: "eu-west-1",
    });
  });

  it("writes every granted key, and an INI parser reads back names with spaces, dots and a prefix", async () => {
    const record = vended(setup, {
      name: "payments dev.v2",
      accountId: "111111111111",
      access: [["Admin", ["AdministratorAccess"]]],
    });

    const { profiles } = await listProfiles(setup.ctx, { prefix: "acme." }, anyone);
    const parsed = parseIni(profilesIni(profiles));

    expect(parsed.sections).toHaveLength(1);
    expect(parsed.sections[0]?.profile).toBe("acme.payments-dev.v2/AdministratorAccess");
    expect(parsed.sections[0]?.values).toEqual({
      granted_sso_start_url: "https://d-1234567890.awsapps.com/start",
      granted_sso_region: "eu-west-1",
      granted_sso_account_id: "111111111111",
      granted_sso_role_name: "AdministratorAccess",
      credential_process: "granted credential-process --profile acme.payments-dev.v2/AdministratorAccess",
      quartermaster_request_id: record.requestId,
    });
    expect(profilesIni(profiles)).not.toMatch(/generated_from/);
  });

  it("adds the current baseline's standing assignments of the account's OU and of the account itself", async () => {
    vended(setup, {
      name: "qa",
      accountId: "111111111111",
      ouPath: "Workloads/QA",
      access: [["Developers", ["ReadOnlyAccess"]]],
    });
    vended(setup, { name: "box", accountId: "222222222222", ouPath: "Sandbox" });
    (setup.ctx.baselines as MemoryBaselineStore).applied = {
      planId: "bpl-1",
      appliedAt: "2026-11-23T10:00:00.000Z",
      plannedAt: "2026-11-23T09:00:00.000Z",
      baseline: {
        version: 1,
        assignments: [
          { group: "Admin", permissionSets: ["AdministratorAccess"], ous: ["Workloads"] },
          { group: "Audit", permissionSets: ["SecurityAudit"], accounts: ["222222222222"] },
        ],
      },
    };

    const { profiles } = await listProfiles(setup.ctx, { format: "json" }, anyone);

    expect(profiles.map((p) => p.name)).toEqual([
      "box/SecurityAudit",
      "qa/AdministratorAccess",
      "qa/ReadOnlyAccess",
    ]);
  });

  it("leaves out accounts closed or being closed, leases ending, and requests that did not succeed", async () => {
    vended(setup, { name: "kept", accountId: "111111111111", access: [["Admin", ["AdministratorAccess"]]] });
    vended(setup, {
      name: "closed",
      accountId: "222222222222",
      access: [["Admin", ["AdministratorAccess"]]],
    });
    vended(setup, {
      name: "closing",
      accountId: "333333333333",
      access: [["Admin", ["AdministratorAccess"]]],
    });
    vended(setup, {
      name: "ending",
      accountId: "444444444444",
      access: [["Admin", ["AdministratorAccess"]]],
      lease: { expiresAt: "2026-11-23T11:00:00.000Z", status: "ENDING" },
    });
    vended(setup, {
      name: "failed",
      accountId: "555555555555",
      status: "FAILED",
      access: [["Admin", ["AdministratorAccess"]]],
    });
    await setup.ctx.closures.create(closure("222222222222", "CLOSED"));
    await setup.ctx.closures.create(closure("333333333333", "CLEANING"));

    const { profiles } = await listProfiles(setup.ctx, {}, anyone);

    expect(profiles.map((p) => p.name)).toEqual(["kept/AdministratorAccess"]);
  });

  it("keeps the name for the account vended first when two share it; the later one carries its id", async () => {
    vended(setup, {
      name: "twin",
      accountId: "111111111111",
      access: [["Admin", ["ReadOnlyAccess"]]],
      createdAt: "2026-11-01T00:00:00.000Z",
    });
    vended(setup, {
      name: "twin",
      accountId: "222222222222",
      access: [["Admin", ["ReadOnlyAccess"]]],
      createdAt: "2026-11-02T00:00:00.000Z",
    });

    const { profiles } = await listProfiles(setup.ctx, {}, anyone);

    expect(profiles.map((p) => [p.name, p.accountId])).toEqual([
      ["twin-222222222222/ReadOnlyAccess", "222222222222"],
      ["twin/ReadOnlyAccess", "111111111111"],
    ]);
  });

  it("mine=true keeps the permission sets of the caller's Identity Center groups", async () => {
    vended(setup, {
      name: "app",
      accountId: "111111111111",
      access: [
        ["Admin", ["AdministratorAccess"]],
        ["Developers", ["ReadOnlyAccess"]],
      ],
    });
    identityStore.on(GetUserIdCommand).resolves({ UserId: "u-linus", IdentityStoreId: IC.identityStoreId });
    identityStore
      .on(ListGroupMembershipsForMemberCommand)
      .resolves({ GroupMemberships: [{ GroupId: "g-dev", IdentityStoreId: IC.identityStoreId }] });
    identityStore
      .on(GetGroupIdCommand, {
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: "displayName", AttributeValue: "Developers" },
        },
      })
      .resolves({ GroupId: "g-dev", IdentityStoreId: IC.identityStoreId });
    identityStore
      .on(GetGroupIdCommand, {
        AlternateIdentifier: { UniqueAttribute: { AttributePath: "displayName", AttributeValue: "Admin" } },
      })
      .resolves({ GroupId: "g-admin", IdentityStoreId: IC.identityStoreId });

    const { profiles } = await listProfiles(setup.ctx, { mine: "true" }, async () => "linus@example.com");

    expect(profiles.map((p) => p.name)).toEqual(["app/ReadOnlyAccess"]);
    expect(identityStore.commandCalls(GetUserIdCommand)[0]?.args[0].input.AlternateIdentifier).toEqual({
      UniqueAttribute: { AttributePath: "emails.value", AttributeValue: "linus@example.com" },
    });
  });

  it("refuses mine=true from a caller it cannot name (403), and a bad query (422)", async () => {
    vended(setup, { name: "app", accountId: "111111111111", access: [["Admin", ["AdministratorAccess"]]] });

    await expect(listProfiles(setup.ctx, { mine: "true" }, anyone)).rejects.toMatchObject({
      name: "ForbiddenError",
      code: "UNKNOWN_CALLER",
    });
    await expect(listProfiles(setup.ctx, { format: "yaml" }, anyone)).rejects.toMatchObject({
      name: "ValidationError",
    });
    await expect(listProfiles(setup.ctx, { prefix: "a b" }, anyone)).rejects.toMatchObject({
      name: "ValidationError",
    });
    await expect(listProfiles(setup.ctx, { profile: "x" }, anyone)).rejects.toMatchObject({
      name: "ValidationError",
    });
  });
});
