import { AccountClient, ListRegionsCommand } from "@aws-sdk/client-account";
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { cleanupRegions } from "./regions";

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

/** The member account's EC2 answering, checked to be asked as that account (through its role). */
function memberEc2Answers(accountId: string, regions: { RegionName: string; OptInStatus: string }[]) {
  ec2.on(DescribeRegionsCommand).callsFake(async (input: { AllRegions?: boolean }, getClient) => {
    const credentials = await getClient().config.credentials();
    if (credentials.accessKeyId !== `AK${accountId}`) throw new Error("asked with the wrong account");
    if (input.AllRegions !== true)
      throw new Error("asked without AllRegions: opt-in regions would be missing");
    return { Regions: regions };
  });
}

describe("cleanupRegions", () => {
  it("asks the member account's own EC2 (no shared quota), and skips a configured region it has not enabled, with the reason", async () => {
    const { ctx } = unitContext({ cleanup: { regions: ["us-east-1", "ap-east-1", "eu-west-1"] } });
    memberEc2Answers("222233334444", [
      { RegionName: "us-east-1", OptInStatus: "opt-in-not-required" },
      { RegionName: "ap-east-1", OptInStatus: "not-opted-in" },
      { RegionName: "eu-west-1", OptInStatus: "opt-in-not-required" },
    ]);

    const result = await cleanupRegions(ctx, "222233334444");

    expect(result.regions).toEqual(["us-east-1", "eu-west-1"]);
    expect(result.disabled).toEqual([
      { region: "ap-east-1", reason: "not enabled for this account (DISABLED)" },
    ]);
    expect(account.commandCalls(ListRegionsCommand)).toHaveLength(0);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toBe(
      "arn:aws:iam::222233334444:role/OrganizationAccountAccessRole",
    );
  });

  it("cleans every region the member account has enabled when none is configured", async () => {
    const { ctx } = unitContext({ cleanup: { regions: [] } });
    memberEc2Answers("222233334444", [
      { RegionName: "us-east-1", OptInStatus: "opt-in-not-required" },
      { RegionName: "me-south-1", OptInStatus: "opted-in" },
      { RegionName: "ap-east-1", OptInStatus: "not-opted-in" },
    ]);

    expect((await cleanupRegions(ctx, "222233334444")).regions).toEqual(["us-east-1", "me-south-1"]);
  });

  it("where the account's EC2 refuses (an SCP), asks account:ListRegions about that account", async () => {
    const { ctx } = unitContext({ cleanup: { regions: [] } });
    ec2.on(DescribeRegionsCommand).rejects(denied());
    account.on(ListRegionsCommand).resolves({
      Regions: [
        { RegionName: "us-east-1", RegionOptStatus: "ENABLED_BY_DEFAULT" },
        { RegionName: "eu-central-2", RegionOptStatus: "ENABLED" },
      ],
    });

    const result = await cleanupRegions(ctx, "222233334444");

    expect(result.regions).toEqual(["us-east-1", "eu-central-2"]);
    expect(account.commandCalls(ListRegionsCommand)[0]?.args[0].input.AccountId).toBe("222233334444");
  });

  it("fails the account, typed, when neither can answer and no region is configured; cleans the configured ones when some are", async () => {
    ec2.on(DescribeRegionsCommand).rejects(denied());
    account.on(ListRegionsCommand).rejects(denied());

    await expect(
      cleanupRegions(unitContext({ cleanup: { regions: [] } }).ctx, "222233334444"),
    ).rejects.toThrow(/regions could not be read/);
    expect(
      await cleanupRegions(unitContext({ cleanup: { regions: ["eu-west-1"] } }).ctx, "222233334444"),
    ).toEqual({ regions: ["eu-west-1"], disabled: [] });
  });

  it("lets an account whose role cannot be assumed fail as the account's failure", async () => {
    const { ctx } = unitContext({ cleanup: { regions: [] } });
    sts
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied", $metadata: {} }));

    await expect(cleanupRegions(ctx, "222233334444")).rejects.toThrow(/Could not assume/);
    expect(account.commandCalls(ListRegionsCommand)).toHaveLength(0);
  });
});

describe("a failing region look-up", () => {
  it("is reported once per process, as one short line without a stack, then at debug", async () => {
    const { ctx } = unitContext({ cleanup: { regions: [] } });
    const warn = vi.spyOn(ctx.logger, "warn");
    const debug = vi.spyOn(ctx.logger, "debug");
    ec2.on(DescribeRegionsCommand).rejects(
      Object.assign(new Error(`throttled\n${"at frame\n".repeat(100)}`), {
        name: "ThrottledOnceException",
      }),
    );
    account.on(ListRegionsCommand).resolves({
      Regions: [{ RegionName: "us-east-1", RegionOptStatus: "ENABLED_BY_DEFAULT" }],
    });

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
});
