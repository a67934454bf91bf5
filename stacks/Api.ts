import { Config, Api as SstApi, Function as SstFunction, type StackContext, use } from "sst/constructs";
import { ROUTES } from "../packages/functions/src/api";
import { ApiEnvSchema, SlackEnvSchema } from "../packages/functions/src/env";
import { SLACK_ROUTE_KEYS } from "../packages/functions/src/slack";
import { Cleanup } from "./Cleanup";
import { Closure } from "./Closure";
import { functionEnv, stackConfig } from "./config";
import { allow, awsAllow } from "./iam";
import { Storage } from "./Storage";
import { Vending } from "./Vending";

/** Identity Store reads of approvals: the caller's user (by SSO user name or email), their email, and group membership. */
const APPROVER_LOOKUPS = [
  "identitystore:GetUserId",
  "identitystore:DescribeUser",
  "identitystore:IsMemberInGroups",
  "identitystore:ListGroupMembershipsForMember",
];

/**
 * What validating a vend request reads (POST /accounts and /vend): the OU, the groups, the permission
 * sets, the email; and what deciding an approval reads: the approver's Identity Center user and groups.
 */
const VEND_REQUEST_LOOKUPS = [
  "organizations:ListRoots",
  "organizations:ListOrganizationalUnitsForParent",
  "organizations:DescribeOrganizationalUnit",
  "organizations:ListParents",
  "organizations:ListAccounts",
  "sso:ListInstances",
  "sso:ListPermissionSets",
  "sso:DescribePermissionSet",
  "identitystore:GetGroupId",
  ...APPROVER_LOOKUPS,
];

/**
 * The HTTP API of docs/api.md: every route behind IAM (SigV4) authorisation and served by one
 * function, except the two Slack routes, which Slack signs and a separate function serves.
 */
export function Api({ stack }: StackContext) {
  const { table, bus, budgetTopic } = use(Storage);
  const { vendStateMachine } = use(Vending);
  const { cleanupStateMachine } = use(Cleanup);
  const { closureStateMachine } = use(Closure);
  const config = stackConfig();
  const executionsOf = (arn: string) => `${arn.replace(":stateMachine:", ":execution:")}:*`;
  const permissions = [
    allow(
      ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
      [table.tableArn, `${table.tableArn}/index/*`],
    ),
    allow(
      ["states:StartExecution"],
      [
        vendStateMachine.stateMachineArn,
        cleanupStateMachine.stateMachineArn,
        closureStateMachine.stateMachineArn,
      ],
    ),
    allow(
      ["states:DescribeExecution", "states:RedriveExecution"],
      [executionsOf(vendStateMachine.stateMachineArn), executionsOf(cleanupStateMachine.stateMachineArn)],
    ),
    ...awsAllow(stack, [
      ...VEND_REQUEST_LOOKUPS,
      // POST /accounts/requests/{id}/retry: an account closed since is never redriven into;
      // POST /accounts/{id}/close: whether the account may be closed (the management account never).
      "organizations:DescribeAccount",
      "organizations:DescribeOrganization",
    ]),
    // Approval requests and decisions are announced on the bus (the notifier posts them), and a budget
    // reconcile is handed to the reconcile function through it.
    allow(["events:PutEvents"], [bus.eventBusArn]),
  ];
  if (config.managementRoleArn) permissions.push(allow(["sts:AssumeRole"], [config.managementRoleArn]));

  // One function serves every route (the handler routes on the route key), so it is warm for all of them.
  const handler = new SstFunction(stack, "ApiHandler", {
    handler: "packages/functions/src/api.handler",
    environment: functionEnv(ApiEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_VEND_STATE_MACHINE_ARN: vendStateMachine.stateMachineArn,
      QM_CLEANUP_STATE_MACHINE_ARN: cleanupStateMachine.stateMachineArn,
      QM_CLOSURE_STATE_MACHINE_ARN: closureStateMachine.stateMachineArn,
      QM_BUDGET_TOPIC_ARN: budgetTopic.topicArn,
    }),
    permissions,
  });
  // `npx sst secrets set SLACK_SIGNING_SECRET ...` and `SLACK_BOT_TOKEN`: until set, Slack's requests are 401.
  const signingSecret = new Config.Secret(stack, "SLACK_SIGNING_SECRET");
  const botToken = new Config.Secret(stack, "SLACK_BOT_TOKEN");
  const slackHandler = new SstFunction(stack, "SlackHandler", {
    handler: "packages/functions/src/slack.handler",
    environment: functionEnv(SlackEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_VEND_STATE_MACHINE_ARN: vendStateMachine.stateMachineArn,
    }),
    bind: [signingSecret, botToken],
    permissions: [
      // Requests (read, record, decide) and the claims that make a repeated interaction a no-op.
      allow(
        [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:Query",
          "dynamodb:DeleteItem",
        ],
        [table.tableArn, `${table.tableArn}/index/*`],
      ),
      allow(["states:StartExecution"], [vendStateMachine.stateMachineArn]),
      // /vend validates like POST /accounts: the OU, the groups, the permission sets, the email.
      ...awsAllow(stack, VEND_REQUEST_LOOKUPS),
      allow(["events:PutEvents"], [bus.eventBusArn]),
      ...(config.managementRoleArn ? [allow(["sts:AssumeRole"], [config.managementRoleArn])] : []),
    ],
  });
  const api = new SstApi(stack, "Api", {
    defaults: { authorizer: "iam" },
    routes: {
      ...Object.fromEntries(Object.keys(ROUTES).map((route) => [route, { function: handler }])),
      // Slack cannot sign with SigV4: these two authenticate by Slack's request signature instead.
      ...Object.fromEntries(
        SLACK_ROUTE_KEYS.map((route) => [route, { function: slackHandler, authorizer: "none" as const }]),
      ),
    },
  });
  stack.addOutputs({ ApiUrl: api.url });
  return { api };
}
