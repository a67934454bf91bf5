import { Api as SstApi, Function as SstFunction, type StackContext, use } from "sst/constructs";
import { ROUTES } from "../packages/functions/src/api";
import { ApiEnvSchema } from "../packages/functions/src/env";
import { Cleanup } from "./Cleanup";
import { functionEnv, stackConfig } from "./config";
import { allow } from "./iam";
import { Storage } from "./Storage";
import { Vending } from "./Vending";

/** The HTTP API of docs/api.md, behind IAM (SigV4) authorisation, served by one function. */
export function Api({ stack }: StackContext) {
  const { table, bus, budgetTopic } = use(Storage);
  const { vendStateMachine } = use(Vending);
  const { cleanupStateMachine } = use(Cleanup);
  const config = stackConfig();
  const executionsOf = (arn: string) => `${arn.replace(":stateMachine:", ":execution:")}:*`;
  const permissions = [
    allow(
      ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
      [table.tableArn, `${table.tableArn}/index/*`],
    ),
    allow(["states:StartExecution"], [vendStateMachine.stateMachineArn, cleanupStateMachine.stateMachineArn]),
    allow(
      ["states:DescribeExecution", "states:RedriveExecution"],
      [executionsOf(vendStateMachine.stateMachineArn), executionsOf(cleanupStateMachine.stateMachineArn)],
    ),
    allow(
      [
        "organizations:ListRoots",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListParents",
        "organizations:ListAccounts",
        // POST /accounts/requests/{id}/retry: an account closed since is never redriven into.
        "organizations:DescribeAccount",
      ],
      ["*"],
    ),
    allow(["sso:ListInstances", "sso:ListPermissionSets", "sso:DescribePermissionSet"], ["*"]),
    allow(["identitystore:GetGroupId"], ["*"]),
    // POST /budgets/reconcile
    allow(["organizations:DescribeOrganization", "organizations:ListAccountsForParent"], ["*"]),
    allow(["budgets:ViewBudget", "budgets:ModifyBudget"], [`arn:aws:budgets::${stack.account}:budget/*`]),
  ];
  if (config.managementRoleArn) permissions.push(allow(["sts:AssumeRole"], [config.managementRoleArn]));

  // One function serves every route (the handler routes on the route key), so it is warm for all of them.
  const handler = new SstFunction(stack, "ApiHandler", {
    handler: "packages/functions/src/api.handler",
    environment: functionEnv(ApiEnvSchema, {
      QM_CONFIG: JSON.stringify(config),
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_VEND_STATE_MACHINE_ARN: vendStateMachine.stateMachineArn,
      QM_CLEANUP_STATE_MACHINE_ARN: cleanupStateMachine.stateMachineArn,
      QM_BUDGET_TOPIC_ARN: budgetTopic.topicArn,
    }),
    permissions,
  });
  const api = new SstApi(stack, "Api", {
    defaults: { authorizer: "iam" },
    routes: Object.fromEntries(Object.keys(ROUTES).map((route) => [route, { function: handler }])),
  });
  stack.addOutputs({ ApiUrl: api.url });
  return { api };
}
