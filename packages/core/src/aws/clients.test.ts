import { CloudFormationClient, ListStacksCommand } from "@aws-sdk/client-cloudformation";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClientNotBuiltError } from "../errors";
import { ALL_CLIENT_CLASSES } from "./all-clients";
import { createAwsClients } from "./clients";
import { defaultRetryPolicy } from "./retry";

const sts = mockClient(STSClient);
const savedEnv = { ...process.env };
const cfn = mockClient(CloudFormationClient);

beforeEach(() => {
  sts.reset();
  cfn.reset();
  // Each session's key names the role it came from; the caller's key shows whose session asked.
  sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }, getClient) => {
    const caller = await getClient().config.credentials();
    return {
      Credentials: {
        AccessKeyId: `from:${caller.accessKeyId}>${input.RoleArn.split(":").slice(4).join(":")}`,
        SecretAccessKey: "s",
        SessionToken: "t",
        Expiration: new Date(Date.now() + 3_600_000),
      },
    };
  });
  cfn.on(ListStacksCommand).resolves({ StackSummaries: [] });
});

afterEach(() => {
  process.env = { ...savedEnv };
});

const deploymentCredentials = { accessKeyId: "deployment", secretAccessKey: "x" };

describe("member-account sessions", () => {
  it("chain through the management role in delegated-admin mode: the member role trusts the management account", async () => {
    process.env.AWS_ACCESS_KEY_ID = deploymentCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = deploymentCredentials.secretAccessKey;
    const clients = createAwsClients({
      region: "us-east-1",
      memberRoleName: "OrganizationAccountAccessRole",
      managementRoleArn: "arn:aws:iam::111111111111:role/QuartermasterManagement",
      retryPolicy: defaultRetryPolicy,
      classes: ALL_CLIENT_CLASSES,
    });

    const member = await clients.memberCloudFormation("222233334444", "eu-west-1");
    const session = await member.config.credentials();

    // The mock records the member call before it resolves the caller's credentials (a real client
    // resolves them first), so the order of the calls is not the evidence: the session's key is.
    const roles = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn);
    expect(roles.sort()).toEqual([
      "arn:aws:iam::111111111111:role/QuartermasterManagement",
      "arn:aws:iam::222233334444:role/OrganizationAccountAccessRole",
    ]);
    expect(session.accessKeyId).toBe(
      "from:from:deployment>111111111111:role/QuartermasterManagement>222233334444:role/OrganizationAccountAccessRole",
    );
  });

  it("assume the member role directly when deployed in the management account", async () => {
    const clients = createAwsClients({
      region: "us-east-1",
      memberRoleName: "OrganizationAccountAccessRole",
      retryPolicy: defaultRetryPolicy,
      classes: ALL_CLIENT_CLASSES,
    });

    await clients.memberCloudFormation("222233334444", "eu-west-1");

    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([
      "arn:aws:iam::222233334444:role/OrganizationAccountAccessRole",
    ]);
  });
});

describe("the clients a function builds", () => {
  const options = {
    region: "us-east-1",
    memberRoleName: "OrganizationAccountAccessRole",
    retryPolicy: defaultRetryPolicy,
  };

  it("are only the classes its entry point passes: another fails on first use, naming the client", async () => {
    const clients = createAwsClients({ ...options, classes: { organizations: OrganizationsClient } });

    expect(clients.organizations).toBeInstanceOf(OrganizationsClient);
    expect(() => clients.budgets).toThrow(ClientNotBuiltError);
    expect(() => clients.sfn).toThrow(/does not build the sfn client/);
    await expect(clients.memberCloudFormation("222233334444", "eu-west-1")).rejects.toThrow(
      /does not build the cloudFormation client/,
    );
    // Nothing was assumed for a member client the function cannot build.
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it("are built once, on first use", () => {
    const clients = createAwsClients({ ...options, classes: ALL_CLIENT_CLASSES });

    expect(clients.ssoAdmin).toBe(clients.ssoAdmin);
    expect(clients.eventBridge).toBe(clients.eventBridge);
  });
});
