import { AccountClient, ListRegionsCommand } from "@aws-sdk/client-account";
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { cleanupRegions, regionLookupGap } from "./regions";

const account = mockClient(AccountClient);
const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);

beforeEach(() => {
  account.reset();
  ec2.reset();
  sts.reset();
  sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => ({
    Credentials: {
      AccessKeyId: `AK${input.RoleArn.split(":")[4]}`,
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(Date.now() + 3_600_000),
    },
  }));
});

const denied = () =>
  Object.assign(new Error("trusted access is not enabled"), {
    name: "AccessDeniedException",
    $metadata: { httpStatusCode: 403 },
  });

describe("cleanupRegions", () => {
  it("asks about the member account, and skips a configured region it has not enabled, with the reason", async () => {
    const { ctx } = unitContext({ cleanup: { regions: ["us-east-1", "ap-east-1", "eu-west-1"] } });
    account.on(ListRegionsCommand).resolves({
      Regions: [
        { RegionName: "us-east-1", RegionOptStatus: "ENABLED_BY_DEFAULT" },
        { RegionName: "ap-east-1", RegionOptStatus: "DISABLED" },
        { RegionName: "eu-west-1", RegionOptStatus: "ENABLED_BY_DEFAULT" },
      ],
    });

    const result = await cleanupRegions(ctx, "222233334444");

    expect(result.regions).toEqual(["us-east-1", "eu-west-1"]);
    expect(result.disabled).toEqual([
      { region: "ap-east-1", reason: "not enabled for this account (DISABLED)" },
    ]);
    expect(account.commandCalls(ListRegionsCommand)[0]?.args[0].input.AccountId).toBe("222233334444");
  });

  it("cleans every region the member account has enabled when none is configured", async () => {
    const { ctx } = unitContext({ cleanup: { regions: [] } });
    account.on(ListRegionsCommand).resolves({
      Regions: [
        { RegionName: "us-east-1", RegionOptStatus: "ENABLED_BY_DEFAULT" },
        { RegionName: "me-south-1", RegionOptStatus: "ENABLED" },
        { RegionName: "ap-east-1", RegionOptStatus: "DISABLED" },
      ],
    });

    expect((await cleanupRegions(ctx, "222233334444")).regions).toEqual(["us-east-1", "me-south-1"]);
  });

  it("without trusted access, asks the member account's own EC2, never the management account's", async () => {
    const { ctx } = unitContext({ cleanup: { regions: [] } });
    account.on(ListRegionsCommand).rejects(denied());
    ec2.on(DescribeRegionsCommand).callsFake(async (_input, getClient) => {
      const credentials = await getClient().config.credentials();
      if (credentials.accessKeyId !== "AK222233334444") throw new Error("asked with the wrong account");
      return { Regions: [{ RegionName: "us-east-1" }, { RegionName: "eu-central-2" }] };
    });

    const result = await cleanupRegions(ctx, "222233334444");

    expect(result.regions).toEqual(["us-east-1", "eu-central-2"]);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toBe(
      "arn:aws:iam::222233334444:role/OrganizationAccountAccessRole",
    );
  });
});

describe("a failing account:ListRegions", () => {
  const regionsFromEc2 = () =>
    ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: "us-east-1" }] });

  it("is reported once per process, as one short line without a stack, then at debug", async () => {
    const { ctx } = unitContext({ cleanup: { regions: [] } });
    const warn = vi.spyOn(ctx.logger, "warn");
    const debug = vi.spyOn(ctx.logger, "debug");
    account.on(ListRegionsCommand).rejects(
      Object.assign(new Error(`throttled\n${"at frame\n".repeat(100)}`), {
        name: "ThrottledOnceException",
      }),
    );
    regionsFromEc2();

    for (const id of ["222233334444", "333344445555", "444455556666"]) await cleanupRegions(ctx, id);

    expect(warn).toHaveBeenCalledTimes(1);
    expect(debug).toHaveBeenCalledTimes(2);
    const [, fields] = warn.mock.calls[0] as [string, Record<string, unknown>];
    expect(fields).toEqual({
      accountId: "222233334444",
      errorName: "ThrottledOnceException",
      errorMessage: "throttled",
    });
  });

  it("found at start (local mode's emulator lacks it) is said once by the caller, and the clean-up stays quiet", async () => {
    const { ctx } = unitContext({ cleanup: { regions: [] } });
    const warn = vi.spyOn(ctx.logger, "warn");
    account.on(ListRegionsCommand).rejects(
      Object.assign(new Error("The account:ListRegions action has not been implemented"), {
        name: "NotYetImplementedException",
      }),
    );
    regionsFromEc2();

    const gap = await regionLookupGap(ctx, "111122223333");
    await cleanupRegions(ctx, "222233334444");

    expect(gap).toBe("NotYetImplementedException: The account:ListRegions action has not been implemented");
    expect(warn).not.toHaveBeenCalled();
  });

  it("is no gap when the API answers", async () => {
    const { ctx } = unitContext({ cleanup: { regions: [] } });
    account.on(ListRegionsCommand).resolves({ Regions: [] });

    expect(await regionLookupGap(ctx, "111122223333")).toBeUndefined();
  });
});
