import { Duration } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { CfnSchedule } from "aws-cdk-lib/aws-scheduler";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { DefinitionBody, StateMachine, StateMachineType } from "aws-cdk-lib/aws-stepfunctions";
import { Function as SstFunction, type StackContext, use } from "sst/constructs";
import {
  CLEANUP_TASKS,
  type CleanupTask,
  sandboxCleanupDefinition,
} from "../packages/core/src/cleanup/definition";
import { functionEnv, stackConfig } from "./config";
import { allow } from "./iam";
import { Storage } from "./Storage";

/** The nightly `sandbox-cleanup` state machine, its schedule and dead-letter queue. */
export function Cleanup({ stack, app }: StackContext) {
  const { table, bus } = use(Storage);
  const config = stackConfig();
  const memberRole = `arn:aws:iam::*:role/${config.memberRoleName}`;
  const permissions: Record<CleanupTask, ReturnType<typeof allow>[]> = {
    startRun: [
      allow(
        [
          "organizations:DescribeOrganization",
          "organizations:ListRoots",
          "organizations:ListOrganizationalUnitsForParent",
          "organizations:ListAccountsForParent",
          "organizations:DescribeOrganizationalUnit",
        ],
        ["*"],
      ),
      allow(
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        [table.tableArn],
      ),
    ],
    cleanAccount: [
      // The only way into member accounts: the configured role, with a session name naming Quartermaster.
      allow(["sts:AssumeRole"], [memberRole]),
      allow(["account:ListRegions", "ec2:DescribeRegions"], ["*"]),
      allow(["dynamodb:PutItem"], [table.tableArn]),
    ],
    finishRun: [
      allow(
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        [table.tableArn],
      ),
      allow(["events:PutEvents"], [bus.eventBusArn]),
    ],
  };
  if (config.managementRoleArn) {
    for (const task of CLEANUP_TASKS)
      permissions[task].push(allow(["sts:AssumeRole"], [config.managementRoleArn]));
  }
  const environment = functionEnv({
    QM_CONFIG: JSON.stringify(config),
    QM_TABLE_NAME: table.tableName,
    QM_EVENT_BUS_NAME: bus.eventBusName,
  });
  const functions = Object.fromEntries(
    CLEANUP_TASKS.map((task) => [
      task,
      new SstFunction(stack, `Cleanup-${task}`, {
        handler: `packages/functions/src/cleanup-task.${task}Handler`,
        environment,
        permissions: permissions[task],
        timeout: task === "cleanAccount" ? 900 : 60,
      }),
    ]),
  ) as Record<CleanupTask, SstFunction>;

  const definition = sandboxCleanupDefinition(
    Object.fromEntries(CLEANUP_TASKS.map((t) => [t, functions[t].functionArn])) as Record<
      CleanupTask,
      string
    >,
    { maxConcurrency: config.cleanup.maxConcurrency },
  );
  const stateMachine = new StateMachine(stack, "SandboxCleanup", {
    stateMachineName: `${app.stage}-${app.name}-sandbox-cleanup`,
    stateMachineType: StateMachineType.STANDARD,
    definitionBody: DefinitionBody.fromString(JSON.stringify(definition)),
  });
  for (const fn of Object.values(functions)) fn.grantInvoke(stateMachine);

  const deadLetters = new Queue(stack, "ScheduleDeadLetters", {
    retentionPeriod: Duration.days(14),
    enforceSSL: true,
  });
  const schedulerRole = new Role(stack, "SchedulerRole", {
    assumedBy: new ServicePrincipal("scheduler.amazonaws.com"),
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
  return { cleanupStateMachine: stateMachine };
}
