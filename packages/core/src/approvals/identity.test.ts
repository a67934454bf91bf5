import { DescribeUserCommand, GetUserIdCommand, IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { setDirectoryTtl } from "../org/cache";
import { emailOfCaller } from "./identity";

const ids = mockClient(IdentitystoreClient);
beforeEach(() => ids.reset());

const SSO = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_0123abcd/alice";

describe("emailOfCaller", () => {
  it("is the primary email of the Identity Center user behind an SSO session, looked up once per TTL", async () => {
    const { ctx } = unitContext({
      identityCenter: { instanceArn: "arn:aws:sso:::instance/ssoins-1", identityStoreId: "d-1" },
    });
    setDirectoryTtl(ctx.clients, 60_000);
    ids.on(GetUserIdCommand).resolves({ UserId: "u-alice", IdentityStoreId: "d-1" });
    ids.on(DescribeUserCommand).resolves({
      UserId: "u-alice",
      IdentityStoreId: "d-1",
      Emails: [{ Value: "alice@work.example" }, { Value: "alice@example.com", Primary: true }],
    });

    expect(await emailOfCaller(ctx, SSO)).toBe("alice@example.com");
    expect(await emailOfCaller(ctx, SSO)).toBe("alice@example.com");

    expect(ids.commandCalls(GetUserIdCommand)).toHaveLength(1);
    expect(ids.commandCalls(GetUserIdCommand)[0]?.args[0].input.AlternateIdentifier).toEqual({
      UniqueAttribute: { AttributePath: "userName", AttributeValue: "alice" },
    });
  });

  it("is unknown for a caller that is not an SSO session, without asking the identity store", async () => {
    const { ctx } = unitContext();

    expect(await emailOfCaller(ctx, "arn:aws:iam::111122223333:user/ci")).toBeUndefined();
    expect(await emailOfCaller(ctx, undefined)).toBeUndefined();
    expect(ids.calls()).toHaveLength(0);
  });
});
