import { Duration } from "aws-cdk-lib";
import { PolicyStatement, Role } from "aws-cdk-lib/aws-iam";
import { CfnSchedule } from "aws-cdk-lib/aws-scheduler";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { type StackContext, use } from "sst/constructs";
import {
  CLEANUP_TASKS,
  type CleanupTask,
  sandboxCleanupDefinition,
} from "../packages/core/src/cleanup/definition";
import { CleanupTaskEnvSchema } from "../packages/functions/src/env";
import { functionEnv, stackConfig } from "./config";
import { allow, awsAllow, PRINCIPAL_ORG_ID, schedulerPrincipal } from "./iam";
import { Storage } from "./Storage";
import { taskWorkflow } from "./workflow";

/** The nightly `sandbox-cleanup` state machine, its schedule and dead-letter queue. */
export function Cleanup({ stack, app }: StackContext) {
  const { table, bus } = use(Storage);
  const config = stackConfig();
  const memberRole = `arn:aws:iam::*:role/${config.memberRoleName}`;
  // The only way into member accounts: the configured role, and only in this organisation's accounts
  // (a role of that name in an account outside it is refused by IAM, whatever its trust policy says).
  const assumeMemberRole = new PolicyStatement({
    actions: ["sts:AssumeRole"],
    resources: [memberRole],
    conditions: { StringEquals: { "aws:ResourceOrgID": PRINCIPAL_ORG_ID } },
  });
  const permissions: Record<CleanupTask, ReturnType<typeof allow>[]> = {
    startRun: [
      ...awsAllow(stack, [
        "organizations:DescribeOrganization",
        "organizations:ListRoots",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListAccountsForParent",
        "organizations:DescribeOrganizationalUnit",
        // OU ids in configuration are resolved to their path.
        "organizations:ListParents",
      ]),
      allow(
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        [table.tableArn],
      ),
    ],
    planAccount: [
      assumeMemberRole,
      // Each member account's regions; EC2 DescribeRegions runs in the member account, through its role.
      ...awsAllow(stack, ["account:ListRegions"]),
      allow(["dynamodb:PutItem"], [table.tableArn]),
    ],
    // CloudFormation runs in the member account, through its role: no CloudFormation action here.
    startRegion: [assumeMemberRole, allow(["dynamodb:GetItem", "dynamodb:PutItem"], [table.tableArn])],
    checkRegion: [assumeMemberRole, allow(["dynamodb:GetItem", "dynamodb:PutItem"], [table.tableArn])],
    finishRun: [
      allow(
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        [table.tableArn],
      ),
      allow(["events:PutEvents"], [bus.eventBusArn]),
    ],
  };
  const { stateMachine } = taskWorkflow(stack, {
    id: "Cleanup",
    stateMachine: { id: "SandboxCleanup", name: `${app.stage}-${app.name}-sandbox-cleanup` },
    tasks: CLEANUP_TASKS,
    handlerFile: "packages/functions/src/cleanup-task",
    permissions,
    environment: functionEnv(CleanupTaskEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
    }),
    // Every task returns at once (the waiting is the state machine's); reading a region of many stacks takes the longest.
    timeouts: { startRegion: 300, checkRegion: 300 },
    managementRoleArn: config.managementRoleArn,
    definition: (arns) => sandboxCleanupDefinition(arns, { maxConcurrency: config.cleanup.maxConcurrency }),
  });

  const deadLetters = new Queue(stack, "ScheduleDeadLetters", {
    retentionPeriod: Duration.days(14),
    enforceSSL: true,
  });
  const schedulerRole = new Role(stack, "SchedulerRole", {
    assumedBy: schedulerPrincipal(stack),
  });
  schedulerRole.addToPolicy(allow(["states:StartExecution"], [stateMachine.stateMachineArn]));
  schedulerRole.addToPolicy(allow(["sqs:SendMessage"], [deadLetters.queueArn]));
  new CfnSchedule(stack, "NightlySchedule", {
    description: "Quartermaster: nightly sandbox clean-up",
    scheduleExpression: config.cleanup.schedule,
    scheduleExpressionTimezone: config.cleanup.timezone,
    flexibleTimeWindow: { mode: "OFF" },
    target: {
      arn: stateMachine.stateMachineArn,
      roleArn: schedulerRole.roleArn,
      input: JSON.stringify({ dryRun: false }),
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: deadLetters.queueArn },
    },
  });
  stack.addOutputs({ CleanupStateMachineArn: stateMachine.stateMachineArn });
  return { cleanupStateMachine: stateMachine, scheduleDeadLetters: deadLetters };
}
