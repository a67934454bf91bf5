import { type StackContext, use } from "sst/constructs";
import { vendAccountDefinition } from "../packages/core/src/vending/definition";
import { VEND_STAGE_NAMES, type VendStage } from "../packages/core/src/vending/stages";
import { VendTaskEnvSchema } from "../packages/functions/src/env";
import { functionEnv, stackConfig } from "./config";
import { allow, awsAllow, organizationArns, SSO_ASSIGNMENT_RESOURCES } from "./iam";
import { Storage } from "./Storage";
import { taskWorkflow } from "./workflow";

/** The `vend-account` state machine and one least-privilege function per task. */
export function Vending({ stack, app }: StackContext) {
  const { table, bus, budgetTopic } = use(Storage);
  const config = stackConfig();
  const org = organizationArns(stack);
  // Every task reads and updates its request record, and may record the request's failure
  // (which publishes Account Vending Failed and frees a CreateAccount slot).
  const record = [
    allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [table.tableArn]),
    allow(["events:PutEvents"], [bus.eventBusArn]),
  ];

  // Each task's IAM statements: exactly the API calls its core step makes.
  const permissions: Record<VendStage, ReturnType<typeof allow>[]> = {
    create: [
      ...awsAllow(stack, [
        "organizations:DescribeCreateAccountStatus",
        "organizations:DescribeAccount",
        "organizations:CreateAccount",
      ]),
      // CreateAccount with Tags is also authorised as TagResource, on an account that does not exist yet:
      // which ARN IAM evaluates then is not documented, so the grant is `*`, the one certain to work. The
      // function tags nothing else (its code calls no TagResource), and TagResource cannot create anything.
      allow(["organizations:TagResource"], ["*"]),
      ...record,
    ],
    awaitCreation: [
      // ListAccounts and ListTagsForResource only on EMAIL_ALREADY_EXISTS, to adopt this request's own account.
      allow(["organizations:DescribeCreateAccountStatus", "organizations:ListAccounts"], ["*"]),
      allow(["organizations:ListTagsForResource"], [org.account]),
      // The wait completes its own callback task when the creation is already over (IAM cannot scope tokens).
      allow(["states:SendTaskSuccess"], ["*"]),
      ...record,
    ],
    place: [...awsAllow(stack, ["organizations:ListParents", "organizations:MoveAccount"]), ...record],
    grant: [
      allow(["sso:ListAccountAssignments", "sso:CreateAccountAssignment"], SSO_ASSIGNMENT_RESOURCES),
      ...record,
    ],
    awaitGrants: [
      allow(["sso:DescribeAccountAssignmentCreationStatus"], ["arn:aws:sso:::instance/*"]),
      ...record,
    ],
    budget: [
      allow(["organizations:DescribeOrganization"], ["*"]),
      // Budgets are scoped to the payer account's budget ARNs: the narrowest the Budgets API allows.
      allow(
        ["budgets:ViewBudget", "budgets:ModifyBudget"],
        [`arn:aws:budgets::${stack.account}:budget/quartermaster-*`],
      ),
      allow(["dynamodb:PutItem"], [table.tableArn]),
      ...record,
    ],
    tag: [
      allow(["organizations:ListTagsForResource", "organizations:TagResource"], [org.account]),
      ...record,
    ],
    record,
  };
  const { stateMachine } = taskWorkflow(stack, {
    id: "Vend",
    stateMachine: { id: "VendAccount", name: `${app.stage}-${app.name}-vend-account` },
    tasks: VEND_STAGE_NAMES,
    handlerFile: "packages/functions/src/vend-task",
    permissions,
    environment: functionEnv(VendTaskEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_BUDGET_TOPIC_ARN: budgetTopic.topicArn,
    }),
    managementRoleArn: config.managementRoleArn,
    definition: vendAccountDefinition,
  });

  stack.addOutputs({ VendStateMachineArn: stateMachine.stateMachineArn });
  return { vendStateMachine: stateMachine };
}
