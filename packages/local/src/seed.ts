import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import {
  type CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import { CreateUserCommand, GetUserIdCommand, type IdentitystoreClient } from "@aws-sdk/client-identitystore";
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { ListInstancesCommand } from "@aws-sdk/client-sso-admin";
import { ALL_CLIENT_CLASSES } from "@quartermaster/core/aws/all-clients";
import { isAwsError } from "@quartermaster/core/aws/classify";
import { createAwsClients } from "@quartermaster/core/aws/clients";
import { defaultRetryPolicy } from "@quartermaster/core/aws/retry";
import { applyInProcess } from "@quartermaster/core/baseline/run";
import { parseConfig } from "@quartermaster/core/config/config";
import { createCoreContext } from "@quartermaster/core/runtime";
import { TABLE_KEYS } from "@quartermaster/core/store/table";
import { parse as parseYaml } from "yaml";
import { identityCenterPlugin } from "./identity-center";
import { REFERENCE_ORG, topicTemplate } from "./reference-org";

/** SNS topic the budgets notify; the notifier subscribes to it in AWS. */
export const BUDGET_TOPIC = "quartermaster-budget-alerts";

export interface SeedResult {
  managementAccountId: string;
  budgetTopicArn: string;
  instanceArn: string;
  identityStoreId: string;
  ous: Record<string, string>;
  sandboxAccounts: Record<string, string>;
}

/** The fan-out engine's items bucket in local mode (in AWS, the stack's bucket, named by QM_ITEMS_BUCKET). */
export const LOCAL_ITEMS_BUCKET = "quartermaster-local-items";

/** Creates the items bucket, if it is missing. */
async function ensureItemsBucket(region: string): Promise<void> {
  try {
    await new S3Client({ region }).send(new CreateBucketCommand({ Bucket: LOCAL_ITEMS_BUCKET }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw error;
  }
}

/**
 * Creates the project's storage if it is missing: the DynamoDB table with the key layout the store
 * expects, and the fan-out engine's items bucket.
 */
export async function ensureTable(region: string, tableName: string): Promise<void> {
  await ensureItemsBucket(region);
  const dynamo = new DynamoDBClient({ region });
  const attrs = new Set<string>([TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey]);
  for (const index of TABLE_KEYS.indexes) {
    attrs.add(index.partitionKey);
    attrs.add(index.sortKey);
  }
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [...attrs].map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: "HASH" },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: TABLE_KEYS.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: "HASH" },
            { AttributeName: index.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        })),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

/** Creates an OU path under the root, reusing what exists; returns the leaf id. */
export async function ensureOuPath(org: OrganizationsClient, rootId: string, path: string): Promise<string> {
  let parent = rootId;
  for (const name of path.split("/")) {
    const children = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent }));
    const found = children.OrganizationalUnits?.find((ou) => ou.Name === name)?.Id;
    parent =
      found ??
      ((await org.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name })))
        .OrganizationalUnit?.Id as string);
  }
  return parent;
}

/** Finds an account by name or creates it, then moves it into the OU. */
export async function ensureAccount(
  org: OrganizationsClient,
  rootId: string,
  account: { name: string; email: string },
  ouId: string,
): Promise<string> {
  const accounts = await org.send(new ListAccountsCommand({}));
  let id = accounts.Accounts?.find((a) => a.Email === account.email)?.Id;
  if (!id) {
    const created = await org.send(
      new CreateAccountCommand({ AccountName: account.name, Email: account.email }),
    );
    const status = await org.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus?.Id }),
    );
    id = status.CreateAccountStatus?.AccountId as string;
  }
  const parents = await org.send(new ListParentsCommand({ ChildId: id }));
  const current = parents.Parents?.[0]?.Id ?? rootId;
  if (current !== ouId) {
    await org.send(
      new MoveAccountCommand({ AccountId: id, SourceParentId: current, DestinationParentId: ouId }),
    );
  }
  return id;
}

/**
 * A CloudFormation client inside a member account, through the production client factory
 * (moto maps assumed-role credentials to the account). No plugins: faults never hit the seed.
 */
export async function memberCloudFormation(region: string, accountId: string): Promise<CloudFormationClient> {
  return seedClients(region).memberCloudFormation(accountId, region);
}

/**
 * Whether an emulator account uses this email (case-insensitively), read with the seed's clients: what
 * AWS checks at CreateAccount and moto does not (local mode answers EMAIL_ALREADY_EXISTS with it).
 */
export async function emulatorEmailTaken(region: string, email: string): Promise<boolean> {
  const wanted = email.toLowerCase();
  const org = emailCheckClients(region).organizations;
  let token: string | undefined;
  do {
    const page = await org.send(new ListAccountsCommand({ NextToken: token }));
    if (page.Accounts?.some((a) => a.Email?.toLowerCase() === wanted)) return true;
    token = page.NextToken;
  } while (token);
  return false;
}

/** The seed's clients for the email check, built once per region (it runs on every local CreateAccount). */
const emailClients = new Map<string, ReturnType<typeof seedClients>>();
function emailCheckClients(region: string) {
  const known = emailClients.get(region) ?? seedClients(region);
  emailClients.set(region, known);
  return known;
}

/** The production client factory's clients, without plugins: faults never hit the seed. */
function seedClients(region: string) {
  return createAwsClients({
    region,
    memberRoleName: "OrganizationAccountAccessRole",
    retryPolicy: defaultRetryPolicy,
    classes: ALL_CLIENT_CLASSES,
  });
}

/** Creates a stack unless one with that name already exists (and is not deleted). */
export async function ensureStack(
  cfn: CloudFormationClient,
  stack: { name: string; template: string; tags?: Record<string, string>; terminationProtection?: boolean },
): Promise<void> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stack.name }));
    if (out.Stacks?.some((s) => s.StackStatus !== "DELETE_COMPLETE")) return;
  } catch (error) {
    if (!isAwsError(error, "ValidationError")) throw error;
  }
  await cfn.send(
    new CreateStackCommand({
      StackName: stack.name,
      TemplateBody: stack.template,
      EnableTerminationProtection: stack.terminationProtection,
      Tags: Object.entries(stack.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

/** An Identity Center user with this email: created when missing (the baseline makes the memberships). */
async function ensureUser(
  ids: IdentitystoreClient,
  identityStoreId: string,
  user: { email: string; name: string; group: string },
): Promise<void> {
  try {
    await ids.send(
      new GetUserIdCommand({
        IdentityStoreId: identityStoreId,
        AlternateIdentifier: { UniqueAttribute: { AttributePath: "userName", AttributeValue: user.email } },
      }),
    );
    return;
  } catch (error) {
    if (!isAwsError(error, "ResourceNotFoundException")) throw error;
  }
  await ids.send(
    new CreateUserCommand({
      IdentityStoreId: identityStoreId,
      UserName: user.email,
      DisplayName: user.name,
      Name: { GivenName: user.name, FamilyName: user.group },
      Emails: [{ Value: user.email, Primary: true }],
    }),
  );
}

/** The reference organisation's baseline: `examples/baseline.yaml`, which the seed applies. */
export const EXAMPLE_BASELINE = fileURLToPath(new URL("../../../examples/baseline.yaml", import.meta.url));

/**
 * Applies `examples/baseline.yaml` with the control plane's own plan and apply (in this process), the
 * first time only: once a baseline is applied, it is the user's to change (a restart keeps theirs).
 */
async function applyExampleBaseline(region: string, tableName: string) {
  const ctx = createCoreContext({
    config: parseConfig({ homeRegion: region }),
    tableName,
    eventBusName: "local",
    clientClasses: ALL_CLIENT_CLASSES,
    plugins: [identityCenterPlugin()],
    logger: new Logger({ serviceName: "quartermaster-seed", logLevel: "SILENT" }),
  });
  return applyInProcess(ctx, parseYaml(readFileSync(EXAMPLE_BASELINE, "utf8")), { onlyFirst: true });
}

/** Seeds the reference organisation idempotently: running it twice changes nothing. */
export async function seedReferenceOrg(options: { region: string; tableName: string }): Promise<SeedResult> {
  const { region } = options;
  const { organizations: org, ssoAdmin: sso, identityStore: ids } = seedClients(region);

  try {
    await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  } catch (error) {
    if (!isAwsError(error, "AlreadyInOrganizationException")) throw error;
  }
  const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const instance = (await sso.send(new ListInstancesCommand({}))).Instances?.[0];
  const instanceArn = instance?.InstanceArn as string;
  const identityStoreId = instance?.IdentityStoreId as string;
  // The baseline manages groups and their members, not users: the users its groups name come first.
  for (const user of REFERENCE_ORG.users) await ensureUser(ids, identityStoreId, user);

  // The sandboxes come before the baseline, so its standing assignments cover them as they cover any account.
  const sandboxAccounts: Record<string, string> = {};
  for (const account of REFERENCE_ORG.sandboxAccounts) {
    const id = await ensureAccount(org, rootId, account, await ensureOuPath(org, rootId, account.ou));
    sandboxAccounts[account.name] = id;
    const cfn = await memberCloudFormation(region, id);
    for (const stack of REFERENCE_ORG.sandboxStacks) {
      await ensureStack(cfn, {
        name: stack.name,
        template: topicTemplate(),
        tags: stack.protect ? { "quartermaster:protect": "true" } : { owner: "workshop" },
      });
    }
  }

  await ensureTable(region, options.tableName);
  // OUs, the guard-rail SCP, groups and members, permission sets, standing assignments: the example baseline.
  await applyExampleBaseline(region, options.tableName);
  const ous: Record<string, string> = {};
  for (const path of REFERENCE_ORG.ous) {
    ous[path] = await ensureOuPath(org, rootId, path);
    const top = path.split("/")[0] as string;
    ous[top] ??= await ensureOuPath(org, rootId, top);
  }

  // CreateTopic is idempotent: the same name returns the same ARN.
  // SNS and the table's creation are the seed's alone (the control plane never calls them): their own clients.
  const topic = await new SNSClient({ region }).send(new CreateTopicCommand({ Name: BUDGET_TOPIC }));
  const organization = await org.send(new DescribeOrganizationCommand({}));
  const managementAccountId = organization.Organization?.MasterAccountId as string;
  return {
    managementAccountId,
    budgetTopicArn: topic.TopicArn as string,
    instanceArn,
    identityStoreId,
    ous,
    sandboxAccounts,
  };
}
