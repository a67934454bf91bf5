import { Config, Api as SstApi, Function as SstFunction, type StackContext, use } from "sst/constructs";
import { ROUTES } from "../packages/functions/src/api";
import { ApiEnvSchema, SlackEnvSchema } from "../packages/functions/src/env";
import { SLACK_ROUTE_KEYS } from "../packages/functions/src/slack";
import { Cleanup } from "./Cleanup";
import { Closure } from "./Closure";
import { functionEnv, stackConfig } from "./config";
import { allow, awsAllow, BASELINE_EXPORT_READS, executionsOf, VEND_REQUEST_LOOKUPS } from "./iam";
import { Storage } from "./Storage";
import { Vending } from "./Vending";

/**
 * How long a function behind the HTTP API may run: API Gateway gives up on an integration after 30 s
 * (29 s in practice), and a function must not go on writing after the client was told 503.
 */
export const API_FUNCTION_TIMEOUT_SECONDS = 25;

/**
 * The HTTP API of docs/api.md: every route behind IAM (SigV4) authorisation and served by one
 * function, except the two Slack routes, which Slack signs and a separate function serves.
 */
export function Api({ stack }: StackContext) {
  const { table, bus, budgetTopic } = use(Storage);
  const { vendStateMachine } = use(Vending);
  const { cleanupStateMachine, reconcileStateMachine, baselineStateMachine, driftStateMachine } =
    use(Cleanup);
  const { closureStateMachine } = use(Closure);
  const config = stackConfig();
  const permissions = [
    allow(
      // BatchWriteItem: a clean-up's retry forgets the accounts that failed.
      [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
      ],
      [table.tableArn, `${table.tableArn}/index/*`],
    ),
    allow(
      ["states:StartExecution"],
      [
        vendStateMachine.stateMachineArn,
        cleanupStateMachine.stateMachineArn,
        closureStateMachine.stateMachineArn,
        reconcileStateMachine.stateMachineArn,
        baselineStateMachine.stateMachineArn,
        driftStateMachine.stateMachineArn,
      ],
    ),
    allow(
      ["states:DescribeExecution", "states:RedriveExecution"],
      [
        executionsOf(stack, vendStateMachine.stateMachineArn),
        executionsOf(stack, cleanupStateMachine.stateMachineArn),
      ],
    ),
    ...awsAllow(stack, [
      ...VEND_REQUEST_LOOKUPS,
      // POST /accounts/requests/{id}/retry: an account closed since is never redriven into;
      // POST /accounts/{id}/close: whether the account may be closed (the management account never).
      "organizations:DescribeAccount",
      "organizations:DescribeOrganization",
      // GET /baseline/export reads the organisation as a plan does.
      ...BASELINE_EXPORT_READS,
    ]),
    // Approval requests and decisions are announced on the bus (the notifier posts them).
    allow(["events:PutEvents"], [bus.eventBusArn]),
  ];
  if (config.managementRoleArn) permissions.push(allow(["sts:AssumeRole"], [config.managementRoleArn]));

  // One function serves every route (the handler routes on the route key), so it is warm for all of them.
  const handler = new SstFunction(stack, "ApiHandler", {
    handler: "packages/functions/src/api.handler",
    timeout: API_FUNCTION_TIMEOUT_SECONDS,
    environment: functionEnv(ApiEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_VEND_STATE_MACHINE_ARN: vendStateMachine.stateMachineArn,
      QM_RECONCILE_STATE_MACHINE_ARN: reconcileStateMachine.stateMachineArn,
      QM_CLEANUP_STATE_MACHINE_ARN: cleanupStateMachine.stateMachineArn,
      QM_CLOSURE_STATE_MACHINE_ARN: closureStateMachine.stateMachineArn,
      QM_BASELINE_STATE_MACHINE_ARN: baselineStateMachine.stateMachineArn,
      QM_DRIFT_STATE_MACHINE_ARN: driftStateMachine.stateMachineArn,
      QM_BUDGET_TOPIC_ARN: budgetTopic.topicArn,
    }),
    permissions,
  });
  // `npx sst secrets set SLACK_SIGNING_SECRET ...`: until set, Slack's requests are 401.
  const signingSecret = new Config.Secret(stack, "SLACK_SIGNING_SECRET");
  // The Slack routes verify Slack's signature, hand the work on through the bus and answer at once
  // (Slack gives up after 3 seconds); the worker does the look-ups and answers at response_url.
  const slackHandler = new SstFunction(stack, "SlackHandler", {
    handler: "packages/functions/src/slack.handler",
    environment: functionEnv(SlackEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
    }),
    timeout: API_FUNCTION_TIMEOUT_SECONDS,
    bind: [signingSecret],
    permissions: [allow(["events:PutEvents"], [bus.eventBusArn])],
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
