import { Duration } from "aws-cdk-lib";
import { PolicyStatement, Role } from "aws-cdk-lib/aws-iam";
import { CfnSchedule } from "aws-cdk-lib/aws-scheduler";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { type StackContext, use } from "sst/constructs";
import { BASELINE_TASKS, baselineDefinition } from "../packages/core/src/baseline/definition";
import {
  budgetReconcileDefinition,
  RECONCILE_CONCURRENCY,
  RECONCILE_TASKS,
} from "../packages/core/src/budgets/definition";
import {
  CLEANUP_TASKS,
  type CleanupTask,
  sandboxCleanupDefinition,
} from "../packages/core/src/cleanup/definition";
import {
  BaselineTaskEnvSchema,
  CleanupTaskEnvSchema,
  ReconcileTaskEnvSchema,
} from "../packages/functions/src/env";
import { functionEnv, stackConfig } from "./config";
import { driftWorkflow } from "./drift-workflow";
import { allow, awsAllow, BASELINE_STRUCTURE_READS, PRINCIPAL_ORG_ID, schedulerPrincipal } from "./iam";
import { Storage } from "./Storage";
import { allowFanOut, taskWorkflow } from "./workflow";

/**
 * The fan-out workflows: the nightly `sandbox-cleanup` and the weekly `budget-reconcile` state machines,
 * their schedules and the schedules' dead-letter queue; the `baseline` state machine (plans and applies);
 * the `drift` state machine (checks, daily, and repairs).
 */
export function Cleanup({ stack, app }: StackContext) {
  const { table, bus, itemsBucket, budgetTopic } = use(Storage);
  const config = stackConfig();
  const memberRole = `arn:aws:iam::*:role/${config.memberRoleName}`;
  // The only way into member accounts: the configured role, and only in this organisation's accounts
  // (a role of that name in an account outside it is refused by IAM, whatever its trust policy says).
  const assumeMemberRole = new PolicyStatement({
    actions: ["sts:AssumeRole"],
    resources: [memberRole],
    conditions: { StringEquals: { "aws:ResourceOrgID": PRINCIPAL_ORG_ID } },
  });
  const items = itemsBucket.arnForObjects("fanout/cleanup/*");
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
        [
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:Query",
          "dynamodb:BatchWriteItem",
        ],
        [table.tableArn],
      ),
      // The run's accounts, for the fan-out's ItemReader.
      allow(["s3:PutObject"], [items]),
    ],
    // One step of one account, all its regions: CloudFormation and EC2 run in the member account,
    // through its role; account:ListRegions is asked only where the account's own EC2 cannot answer.
    cleanAccount: [
      assumeMemberRole,
      ...awsAllow(stack, ["account:ListRegions"]),
      allow(["dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"], [table.tableArn]),
    ],
    finishRun: [
      allow(
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
        [table.tableArn],
      ),
      allow(["events:PutEvents"], [bus.eventBusArn]),
    ],
  };
  const stateMachineName = `${app.stage}-${app.name}-sandbox-cleanup`;
  const { stateMachine } = taskWorkflow(stack, {
    id: "Cleanup",
    stateMachine: { id: "SandboxCleanup", name: stateMachineName },
    tasks: CLEANUP_TASKS,
    handlerFile: "packages/functions/src/cleanup-task",
    permissions,
    environment: functionEnv(CleanupTaskEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_ITEMS_BUCKET: itemsBucket.bucketName,
    }),
    // Every task returns at once (the waiting is the state machine's); an account of many stacks in
    // many regions takes the longest; discovery of a large organisation, the next.
    timeouts: { startRun: 300, cleanAccount: 300, finishRun: 300 },
    // Each account in flight runs one step at a time: the map's concurrency, reserved, never throttles.
    reservedConcurrency: { cleanAccount: config.cleanup.maxConcurrency },
    managementRoleArn: config.managementRoleArn,
    definition: (arns) => sandboxCleanupDefinition(arns, { maxConcurrency: config.cleanup.maxConcurrency }),
  });
  // The fan-out engine's Distributed Map: it reads the items, and runs each account as a child execution.
  allowFanOut(stack, stateMachine, { name: stateMachineName, items });

  // The budget reconcile fans out the same way: one child per account lacking its budget.
  const reconcileItems = itemsBucket.arnForObjects("fanout/reconcile/*");
  const reconcileName = `${app.stage}-${app.name}-budget-reconcile`;
  const { stateMachine: reconcileStateMachine } = taskWorkflow(stack, {
    id: "Reconcile",
    stateMachine: { id: "BudgetReconcile", name: reconcileName },
    tasks: RECONCILE_TASKS,
    handlerFile: "packages/functions/src/reconcile",
    permissions: {
      startReconcile: [
        ...awsAllow(stack, [
          "organizations:DescribeOrganization",
          "organizations:ListRoots",
          "organizations:ListOrganizationalUnitsForParent",
          "organizations:DescribeOrganizationalUnit",
          // OU ids in configuration are resolved to their path.
          "organizations:ListParents",
          "organizations:ListAccountsForParent",
        ]),
        allow(["budgets:ViewBudget"], [`arn:aws:budgets::${stack.account}:budget/*`]),
        allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [table.tableArn]),
        allow(["s3:PutObject"], [reconcileItems]),
      ],
      createBudget: [
        ...awsAllow(stack, ["organizations:DescribeOrganization"]),
        allow(["budgets:ViewBudget", "budgets:ModifyBudget"], [`arn:aws:budgets::${stack.account}:budget/*`]),
        // Budget fingerprints (read, write); the job's created and failed items and counts.
        allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [table.tableArn]),
      ],
      finishReconcile: [allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [table.tableArn])],
    },
    environment: functionEnv(ReconcileTaskEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_BUDGET_TOPIC_ARN: budgetTopic.topicArn,
      QM_ITEMS_BUCKET: itemsBucket.bucketName,
    }),
    timeouts: { startReconcile: 300 },
    reservedConcurrency: { createBudget: RECONCILE_CONCURRENCY },
    managementRoleArn: config.managementRoleArn,
    definition: (arns) => budgetReconcileDefinition(arns),
  });
  allowFanOut(stack, reconcileStateMachine, { name: reconcileName, items: reconcileItems });

  // The baseline: a plan reads the organisation (each group's assignments in a child), an apply converges it.
  const baselineItems = itemsBucket.arnForObjects("fanout/baseline/*");
  const baselineName = `${app.stage}-${app.name}-baseline`;
  const { stateMachine: baselineStateMachine } = taskWorkflow(stack, {
    id: "Baseline",
    stateMachine: { id: "BaselineWorkflow", name: baselineName },
    tasks: BASELINE_TASKS,
    handlerFile: "packages/functions/src/baseline-task",
    permissions: {
      startPlan: [
        ...awsAllow(stack, BASELINE_STRUCTURE_READS),
        allow(["dynamodb:GetItem"], [table.tableArn]),
        allow(["s3:PutObject"], [baselineItems]),
      ],
      readGroup: [
        ...awsAllow(stack, ["sso:ListAccountAssignmentsForPrincipal"]),
        allow(["s3:GetObject", "s3:PutObject"], [baselineItems]),
      ],
      finishPlan: [
        allow(["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"], [table.tableArn]),
        allow(["s3:GetObject"], [baselineItems]),
      ],
      applyChanges: [
        ...awsAllow(stack, [
          "organizations:ListRoots",
          "organizations:ListOrganizationalUnitsForParent",
          "organizations:CreateOrganizationalUnit",
          "organizations:DeleteOrganizationalUnit",
          "organizations:EnablePolicyType",
          "organizations:ListPolicies",
          "organizations:CreatePolicy",
          "organizations:UpdatePolicy",
          "organizations:DeletePolicy",
          "organizations:ListTargetsForPolicy",
          "organizations:AttachPolicy",
          "organizations:DetachPolicy",
          "sso:ListInstances",
          "sso:ListPermissionSets",
          "sso:DescribePermissionSet",
          "sso:CreatePermissionSet",
          "sso:UpdatePermissionSet",
          "sso:DeletePermissionSet",
          "sso:ListManagedPoliciesInPermissionSet",
          "sso:AttachManagedPolicyToPermissionSet",
          "sso:DetachManagedPolicyFromPermissionSet",
          "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
          "sso:AttachCustomerManagedPolicyReferenceToPermissionSet",
          "sso:DetachCustomerManagedPolicyReferenceFromPermissionSet",
          "sso:GetInlinePolicyForPermissionSet",
          "sso:PutInlinePolicyToPermissionSet",
          "sso:DeleteInlinePolicyFromPermissionSet",
          "sso:GetPermissionsBoundaryForPermissionSet",
          "sso:PutPermissionsBoundaryToPermissionSet",
          "sso:DeletePermissionsBoundaryFromPermissionSet",
          "sso:ListAccountsForProvisionedPermissionSet",
          "sso:ProvisionPermissionSet",
          "sso:DescribePermissionSetProvisioningStatus",
          "sso:CreateAccountAssignment",
          "sso:DeleteAccountAssignment",
          "sso:DescribeAccountAssignmentCreationStatus",
          "sso:DescribeAccountAssignmentDeletionStatus",
          "identitystore:GetGroupId",
          "identitystore:CreateGroup",
          "identitystore:UpdateGroup",
          "identitystore:DeleteGroup",
          "identitystore:GetUserId",
          "identitystore:ListGroupMemberships",
          "identitystore:CreateGroupMembership",
          "identitystore:DeleteGroupMembership",
        ]),
        allow(["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"], [table.tableArn]),
      ],
      finishApply: [
        allow(
          ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"],
          [table.tableArn],
        ),
      ],
    },
    environment: functionEnv(BaselineTaskEnvSchema, {
      QM_TABLE_NAME: table.tableName,
      QM_EVENT_BUS_NAME: bus.eventBusName,
      QM_ITEMS_BUCKET: itemsBucket.bucketName,
    }),
    timeouts: { startPlan: 300, readGroup: 300, finishPlan: 300, applyChanges: 300 },
    managementRoleArn: config.managementRoleArn,
    definition: (arns) => baselineDefinition(arns),
  });
  allowFanOut(stack, baselineStateMachine, { name: baselineName, items: baselineItems });

  // Drift: a check of every vended account and the baseline (daily), and a check's repair on request.
  const driftStateMachine = driftWorkflow(stack, {
    name: `${app.stage}-${app.name}-drift`,
    table,
    bus,
    itemsBucket,
    budgetTopic,
    baselineStateMachine,
  });

  const deadLetters = new Queue(stack, "ScheduleDeadLetters", {
    retentionPeriod: Duration.days(14),
    enforceSSL: true,
  });
  const schedulerRole = new Role(stack, "SchedulerRole", {
    assumedBy: schedulerPrincipal(stack),
  });
  schedulerRole.addToPolicy(
    allow(
      ["states:StartExecution"],
      [
        stateMachine.stateMachineArn,
        reconcileStateMachine.stateMachineArn,
        driftStateMachine.stateMachineArn,
      ],
    ),
  );
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
  new CfnSchedule(stack, "WeeklyBudgetReconcile", {
    description: "Quartermaster: give older accounts their default budget",
    scheduleExpression: "cron(0 6 ? * MON *)",
    scheduleExpressionTimezone: config.cleanup.timezone,
    flexibleTimeWindow: { mode: "FLEXIBLE", maximumWindowInMinutes: 60 },
    target: {
      arn: reconcileStateMachine.stateMachineArn,
      roleArn: schedulerRole.roleArn,
      input: JSON.stringify({}),
      retryPolicy: { maximumRetryAttempts: 2 },
      deadLetterConfig: { arn: deadLetters.queueArn },
    },
  });
  new CfnSchedule(stack, "DailyDriftCheck", {
    description: "Quartermaster: check every vended account and the baseline for drift",
    scheduleExpression: config.drift.schedule,
    scheduleExpressionTimezone: config.cleanup.timezone,
    flexibleTimeWindow: { mode: "OFF" },
    target: {
      arn: driftStateMachine.stateMachineArn,
      roleArn: schedulerRole.roleArn,
      input: JSON.stringify({ action: "check" }),
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: deadLetters.queueArn },
    },
  });
  stack.addOutputs({
    CleanupStateMachineArn: stateMachine.stateMachineArn,
    ReconcileStateMachineArn: reconcileStateMachine.stateMachineArn,
    BaselineStateMachineArn: baselineStateMachine.stateMachineArn,
    DriftStateMachineArn: driftStateMachine.stateMachineArn,
  });
  return {
    cleanupStateMachine: stateMachine,
    reconcileStateMachine,
    baselineStateMachine,
    driftStateMachine,
    scheduleDeadLetters: deadLetters,
  };
}
