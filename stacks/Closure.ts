import { type StackContext, use } from "sst/constructs";
import { accountClosureDefinition } from "../packages/core/src/closures/definition";
import { CLOSURE_TASKS, type ClosureTask } from "../packages/core/src/closures/tasks";
import { ClosureTaskEnvSchema } from "../packages/functions/src/env";
import { Cleanup } from "./Cleanup";
import { functionEnv, stackConfig } from "./config";
import { allow, awsAllow, executionsOf } from "./iam";
import { Storage } from "./Storage";
import { taskWorkflow } from "./workflow";

/** Organizations reads that decide whether an account may be closed (see closures/eligibility). */
export const CLOSE_ELIGIBILITY_READS = [
  "organizations:DescribeAccount",
  "organizations:DescribeOrganization",
  "organizations:ListParents",
  "organizations:DescribeOrganizationalUnit",
];

/** The `account-closure` state machine: clean-up, CloseAccount (awaiting SUSPENDED and the quota), move, announce. */
export function Closure({ stack, app }: StackContext) {
  const { table, bus } = use(Storage);
  const { cleanupStateMachine } = use(Cleanup);
  const config = stackConfig();
  // Every task reads and updates its closure, and records (and announces) a failure.
  const common = [
    allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [table.tableArn]),
    allow(["events:PutEvents"], [bus.eventBusArn]),
  ];
  const permissions: Record<ClosureTask, ReturnType<typeof allow>[]> = {
    cleanup: [
      ...common,
      // The clean-up run's record (created, read with its reports), and its execution.
      allow(["dynamodb:PutItem", "dynamodb:Query"], [table.tableArn]),
      allow(["states:StartExecution"], [cleanupStateMachine.stateMachineArn]),
      allow(["states:DescribeExecution"], [executionsOf(stack, cleanupStateMachine.stateMachineArn)]),
    ],
    close: [...common, ...awsAllow(stack, [...CLOSE_ELIGIBILITY_READS, "organizations:CloseAccount"])],
    move: [
      ...common,
      ...awsAllow(stack, [
        "organizations:ListRoots",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListParents",
        "organizations:MoveAccount",
      ]),
    ],
    // The lease of the request whose lease ended: its record and its index entry (one transaction).
    finish: [
      ...common,
      allow(["dynamodb:PutItem"], [table.tableArn]),
      ...awsAllow(stack, ["organizations:DescribeAccount"]),
    ],
  };
  const { stateMachine } = taskWorkflow(stack, {
    id: "Closure",
    stateMachine: { id: "AccountClosure", name: `${app.stage}-${app.name}-account-closure` },
    tasks: CLOSURE_TASKS,
    handlerFile: "packages/functions/src/closure-task",
    permissions,
    environment: functionEnv(ClosureTaskEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_CLEANUP_STATE_MACHINE_ARN: cleanupStateMachine.stateMachineArn,
    }),
    managementRoleArn: config.managementRoleArn,
    definition: accountClosureDefinition,
  });
  stack.addOutputs({ ClosureStateMachineArn: stateMachine.stateMachineArn });
  return { closureStateMachine: stateMachine };
}
