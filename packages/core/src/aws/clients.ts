import type { AccountClient } from "@aws-sdk/client-account";
import type { BudgetsClient } from "@aws-sdk/client-budgets";
import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { AssumeRoleError, ClientNotBuiltError } from "../errors";
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
  /** The project's fan-out items bucket (the fan-out engine's item lists). */
  s3: S3Client;
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
  /**
   * The client classes this process builds: a deployed function passes only those it calls, so its
   * bundle holds no other client (an SDK client is 20-600 KB minified). STS and DynamoDB are always
   * built (sessions and the project's table). Local mode and tests pass every class (`all-clients.ts`).
   */
  classes: ClientClasses;
}

/** The optional client classes, by the `AwsClients` member they build (both member factories count). */
export interface ClientClasses {
  organizations?: typeof OrganizationsClient;
  ssoAdmin?: typeof SSOAdminClient;
  identityStore?: typeof IdentitystoreClient;
  budgets?: typeof BudgetsClient;
  account?: typeof AccountClient;
  sfn?: typeof SFNClient;
  eventBridge?: typeof EventBridgeClient;
  s3?: typeof S3Client;
  /** For `memberCloudFormation`. */
  cloudFormation?: typeof CloudFormationClient;
  /** For `memberEc2`. */
  ec2?: typeof EC2Client;
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

  const classes = options.classes;
  /** Builds a client on first use, once; a class the entry point did not pass fails there. */
  const once = <K extends keyof ClientClasses, C>(
    name: K,
    make: (cls: NonNullable<ClientClasses[K]>) => C,
  ) => {
    let built: C | undefined;
    return (): C => {
      const cls = classes[name];
      if (!cls) throw new ClientNotBuiltError(name);
      built ??= make(cls as NonNullable<ClientClasses[K]>);
      return built;
    };
  };
  const organizations = once("organizations", (C) => client(new C(mgmt)));
  const ssoAdmin = once("ssoAdmin", (C) => client(new C(mgmt)));
  const identityStore = once("identityStore", (C) => client(new C(mgmt)));
  const budgets = once("budgets", (C) => client(new C(mgmt)));
  const account = once("account", (C) => client(new C(mgmt)));
  const sfn = once("sfn", (C) => client(new C(base)));
  const eventBridge = once("eventBridge", (C) => client(new C(base)));
  const s3 = once("s3", (C) => client(new C(base)));
  const cloudFormation = once("cloudFormation", (C) => C);
  const ec2 = once("ec2", (C) => C);
  const dynamo = retrying(
    DynamoDBDocumentClient.from(withPlugins(new DynamoDBClient(base), plugins), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    policy,
  );

  return {
    get organizations() {
      return organizations();
    },
    get ssoAdmin() {
      return ssoAdmin();
    },
    get identityStore() {
      return identityStore();
    },
    get budgets() {
      return budgets();
    },
    get account() {
      return account();
    },
    get sfn() {
      return sfn();
    },
    get eventBridge() {
      return eventBridge();
    },
    get s3() {
      return s3();
    },
    sts,
    dynamo,
    async memberCloudFormation(accountId, region) {
      const CloudFormation = cloudFormation();
      const credentials = await memberCredentials(accountId);
      return client(new CloudFormation({ region, maxAttempts: 1, credentials }));
    },
    async memberEc2(accountId) {
      const Ec2 = ec2();
      const credentials = await memberCredentials(accountId);
      return client(new Ec2({ region: options.region, maxAttempts: 1, credentials }));
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
