import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { discoverSandboxAccounts } from "./discover";

const org = mockClient(OrganizationsClient);
const sts = mockClient(STSClient);

beforeEach(() => {
  org.reset();
  sts.reset();
  org.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-root" }] });
  org.on(DescribeOrganizationCommand).resolves({ Organization: { MasterAccountId: "111111111111" } });
  sts.on(GetCallerIdentityCommand).resolves({ Account: "111111111111" });
  org
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: "r-root" })
    .resolves({ OrganizationalUnits: [{ Id: "ou-sbx", Name: "Sandbox" }] });
  org
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: "ou-sbx" })
    .resolves({ OrganizationalUnits: [] });
});

describe("discoverSandboxAccounts", () => {
  it("accounts for every account under the sandbox OUs: cleaned when ACTIVE, refused with its state otherwise", async () => {
    const { ctx } = unitContext();
    org.on(ListAccountsForParentCommand, { ParentId: "ou-sbx" }).resolves({
      Accounts: [
        { Id: "222222222222", Name: "live", State: "ACTIVE", Status: "ACTIVE" },
        { Id: "333333333333", Name: "closed", State: "SUSPENDED", Status: "SUSPENDED" },
        { Id: "444444444444", Name: "closing", State: "PENDING_CLOSURE", Status: "SUSPENDED" },
      ],
    });

    const discovery = await discoverSandboxAccounts(ctx, ["Sandbox"]);

    expect(discovery.accounts).toEqual([{ accountId: "222222222222", name: "live" }]);
    expect(discovery.refused).toEqual([
      { accountId: "333333333333", name: "closed", reason: "the account is SUSPENDED, not ACTIVE" },
      { accountId: "444444444444", name: "closing", reason: "the account is PENDING_CLOSURE, not ACTIVE" },
    ]);
  });
});
