import { AccountClient } from "@aws-sdk/client-account";
import { BudgetsClient } from "@aws-sdk/client-budgets";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { AssumeRoleError } from "../errors";
import type { AnyClientPlugin } from "./middleware";
import { type RetryPolicy, retrying } from "./retry";

/** The AWS clients Quartermaster talks to, built once per process (cold start). */
export interface AwsClients {
  organizations: OrganizationsClient;
  ssoAdmin: SSOAdminClient;
  identityStore: IdentitystoreClient;
  budgets: BudgetsClient;
  account: AccountClient;
  sfn: SFNClient;
  sts: STSClient;
  eventBridge: EventBridgeClient;
  dynamo: DynamoDBDocumentClient;
  /** CloudFormation in a member account and region, through the member role. */
  memberCloudFormation(accountId: string, region: string): Promise<CloudFormationClient>;
  /** EC2 in a member account, through the member role: that account's own view of its regions. */
  memberEc2(accountId: string): Promise<EC2Client>;
}

export interface ClientOptions {
  /** Home region: Organizations, Identity Center, Budgets and the project's own resources. */
  region: string;
  /** Role to assume for management APIs when not running in the management account. */
  managementRoleArn?: string;
  /** Role name assumed in member accounts (OrganizationAccountAccessRole by default). */
  memberRoleName: string;
  /** Extra SDK plugins: the call counter everywhere, fault injection in local mode and tests. */
  plugins?: AnyClientPlugin[];
  retryPolicy: RetryPolicy;
}

/** Session name that identifies Quartermaster in member accounts' CloudTrail. */
export const MEMBER_SESSION_NAME = "quartermaster";

function withPlugins<C extends { middlewareStack: { use(p: AnyClientPlugin): void } }>(
  client: C,
  plugins: AnyClientPlugin[],
): C {
  for (const plugin of plugins) client.middlewareStack.use(plugin);
  return client;
}

/**
 * Builds every client with one retry owner: the SDK's own retries are off (maxAttempts 1, the
 * DynamoDB client included) because each client's `send` retries with Quartermaster's classifier
 * and full jitter (see `retrying`).
 */
export function createAwsClients(options: ClientOptions): AwsClients {
  const plugins = options.plugins ?? [];
  const policy = options.retryPolicy;
  const client = <
    C extends Parameters<typeof retrying>[0] & { middlewareStack: { use(p: AnyClientPlugin): void } },
  >(
    c: C,
  ): C => retrying(withPlugins(c, plugins), policy);
  const base = { region: options.region, maxAttempts: 1 };
  const sts = client(new STSClient(base));
  const managementCredentials: AwsCredentialIdentityProvider | undefined = options.managementRoleArn
    ? assumedRoleProvider(sts, options.managementRoleArn)
    : undefined;
  const mgmt = managementCredentials ? { ...base, credentials: managementCredentials } : base;
  // Member roles trust the management account (OrganizationAccountAccessRole does), so in
  // delegated-admin mode member sessions chain through the management role's session.
  const memberSts = managementCredentials ? client(new STSClient(mgmt)) : sts;
  const memberCache = new Map<string, AwsCredentialIdentityProvider>();
  /** The member role's credentials, assumed once per account and refreshed before they expire. */
  const memberCredentials = async (accountId: string) => {
    let credentials = memberCache.get(accountId);
    if (!credentials) {
      credentials = assumedRoleProvider(
        memberSts,
        `arn:aws:iam::${accountId}:role/${options.memberRoleName}`,
      );
      memberCache.set(accountId, credentials);
    }
    // Fail here, with the account in the message, rather than on the first call in the account.
    await credentials();
    return credentials;
  };

  return {
    organizations: client(new OrganizationsClient(mgmt)),
    ssoAdmin: client(new SSOAdminClient(mgmt)),
    identityStore: client(new IdentitystoreClient(mgmt)),
    budgets: client(new BudgetsClient(mgmt)),
    account: client(new AccountClient(mgmt)),
    sfn: client(new SFNClient(base)),
    sts,
    eventBridge: client(new EventBridgeClient(base)),
    dynamo: retrying(
      DynamoDBDocumentClient.from(withPlugins(new DynamoDBClient(base), plugins), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      policy,
    ),
    async memberCloudFormation(accountId, region) {
      const credentials = await memberCredentials(accountId);
      return client(new CloudFormationClient({ region, maxAttempts: 1, credentials }));
    },
    async memberEc2(accountId) {
      const credentials = await memberCredentials(accountId);
      return client(new EC2Client({ region: options.region, maxAttempts: 1, credentials }));
    },
  };
}

/** A cached credential provider for a role, refreshed five minutes before expiry. */
export function assumedRoleProvider(sts: STSClient, roleArn: string): AwsCredentialIdentityProvider {
  let cached: AwsCredentialIdentity | undefined;
  return async () => {
    const expiry = cached?.expiration?.getTime() ?? 0;
    if (cached && expiry - Date.now() > 5 * 60_000) return cached;
    try {
      const out = await sts.send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: MEMBER_SESSION_NAME }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("AssumeRole returned no credentials");
      cached = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
      return cached;
    } catch (error) {
      throw new AssumeRoleError(`Could not assume ${roleArn}`, { cause: error });
    }
  };
}
