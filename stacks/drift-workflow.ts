import type { Bucket } from "aws-cdk-lib/aws-s3";
import type { Topic } from "aws-cdk-lib/aws-sns";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import type { EventBus, Stack, Table } from "sst/constructs";
import { DRIFT_TASKS, type DriftTask, driftDefinition } from "../packages/core/src/drift/definition";
import { DriftTaskEnvSchema } from "../packages/functions/src/env";
import { functionEnv, stackConfig } from "./config";
import { allow, awsAllow, organizationArns, SSO_ASSIGNMENT_RESOURCES } from "./iam";
import { allowFanOut, taskWorkflow } from "./workflow";

/**
 * The `drift` state machine: a check compares every vended account with its request (one child per
 * account, through the fan-out engine) and plans the baseline; a repair converges a check's drifted
 * accounts with the vend's own stages. Each task's IAM statements are exactly the calls it makes.
 */
export function driftWorkflow(
  stack: Stack,
  options: {
    name: string;
    table: Table;
    bus: EventBus;
    itemsBucket: Bucket;
    budgetTopic: Topic;
    baselineStateMachine: StateMachine;
  },
) {
  const { table, bus, itemsBucket, budgetTopic, baselineStateMachine } = options;
  const config = stackConfig();
  const org = organizationArns(stack);
  const items = itemsBucket.arnForObjects("fanout/drift/*");
  const budgets = `arn:aws:budgets::${stack.account}:budget/quartermaster-*`;
  // The OU an account sits in, by path, for the report (and to tell the closed OU).
  const ouPath = ["organizations:DescribeOrganizationalUnit", "organizations:ListParents"];
  const permissions: Record<DriftTask, ReturnType<typeof allow>[]> = {
    startCheck: [
      ...awsAllow(stack, [
        // Every account's state, in one listing.
        "organizations:ListAccounts",
        // The standing assignments of the account's OU: the instance, its permission sets, the groups.
        "sso:ListInstances",
        "sso:ListPermissionSets",
        "sso:DescribePermissionSet",
        "identitystore:GetGroupId",
      ]),
      // Requests and closures (read), the check and its excluded accounts (write), the baseline's plan (create).
      allow(
        [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:Query",
          "dynamodb:BatchWriteItem",
        ],
        [table.tableArn, `${table.tableArn}/index/*`],
      ),
      allow(["s3:PutObject"], [items]),
      allow(["states:StartExecution"], [baselineStateMachine.stateMachineArn]),
    ],
    checkAccount: [
      ...awsAllow(stack, [...ouPath, "organizations:DescribeOrganization", "organizations:ListRoots"]),
      allow(["organizations:ListTagsForResource"], [org.account]),
      allow(["sso:ListAccountAssignments"], SSO_ASSIGNMENT_RESOURCES),
      allow(["budgets:ViewBudget"], [budgets]),
      // The account's result replaces any earlier one (a transaction of a put and two deletes).
      allow(["dynamodb:PutItem", "dynamodb:DeleteItem"], [table.tableArn]),
    ],
    awaitBaseline: [allow(["dynamodb:GetItem"], [table.tableArn])],
    finishCheck: [
      allow(["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"], [table.tableArn]),
      allow(["events:PutEvents"], [bus.eventBusArn]),
    ],
    startRepair: [
      allow(
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        [table.tableArn],
      ),
      allow(["s3:PutObject"], [items]),
    ],
    repairAccount: [
      ...awsAllow(stack, [
        "organizations:DescribeAccount",
        "organizations:MoveAccount",
        "organizations:DescribeOrganization",
        "organizations:ListRoots",
        "sso:ListInstances",
        "sso:ListPermissionSets",
        "sso:DescribePermissionSet",
        "identitystore:GetGroupId",
        ...ouPath,
      ]),
      allow(["organizations:ListTagsForResource", "organizations:TagResource"], [org.account]),
      allow(["sso:ListAccountAssignments", "sso:CreateAccountAssignment"], SSO_ASSIGNMENT_RESOURCES),
      allow(["sso:DescribeAccountAssignmentCreationStatus"], ["arn:aws:sso:::instance/*"]),
      allow(["budgets:ViewBudget", "budgets:ModifyBudget"], [budgets]),
      // The request, its closure, the budget's fingerprint (read, write) and the account's outcome.
      allow(["dynamodb:GetItem", "dynamodb:PutItem"], [table.tableArn]),
    ],
    finishRepair: [allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [table.tableArn])],
  };
  const { stateMachine } = taskWorkflow(stack, {
    id: "Drift",
    stateMachine: { id: "DriftWorkflow", name: options.name },
    tasks: DRIFT_TASKS,
    handlerFile: "packages/functions/src/drift-task",
    permissions,
    environment: functionEnv(DriftTaskEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_ITEMS_BUCKET: itemsBucket.bucketName,
      QM_BASELINE_STATE_MACHINE_ARN: baselineStateMachine.stateMachineArn,
      QM_BUDGET_TOPIC_ARN: budgetTopic.topicArn,
    }),
    // StartCheck reads every SUCCEEDED request and every account's state; a repair awaits its assignments.
    timeouts: { startCheck: 300, checkAccount: 120, finishCheck: 120, startRepair: 300, repairAccount: 300 },
    managementRoleArn: config.managementRoleArn,
    definition: (arns) => driftDefinition(arns),
  });
  allowFanOut(stack, stateMachine, { name: options.name, items });
  return stateMachine;
}
