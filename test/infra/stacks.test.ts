import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { VEND_TASK_STATES } from "../../packages/core/src/vending/definition";
import { VEND_STAGE_NAMES } from "../../packages/core/src/vending/stages";
import { BASELINE_STRUCTURE_READS } from "../../stacks/iam";
import { type TemplateJson, TemplateResolver } from "../support/cfn";
import { grantsOnWrongResourceTypes, IAM_ACCOUNT, loadDeployedApp } from "../support/iam";

let templates: {
  storage: Template;
  vending: Template;
  cleanup: Template;
  api: Template;
  notifications: Template;
  closure: Template;
  observability: Template;
};

/** The account the run's synth names: a real-looking one, so ARNs are as a deploy makes them (cfn-lint checks them). */
const ACCOUNT = IAM_ACCOUNT;

/** A value only this run's synth configuration holds: found in the bundles, never in an environment. */
const CONFIG_MARKER = inject("synthConfigMarker");
const synthStarted = inject("synthStartedAt");

// The templates of the run's one synth (the global setup runs `npm run synth`, offline, with CONFIG_MARKER in its configuration).
beforeAll(() => {
  const dir = inject("templatesDir");
  const stack = (name: string) =>
    Template.fromJSON(
      JSON.parse(readFileSync(join(dir, `test-quartermaster-${name}.template.json`), "utf8")),
    );
  templates = {
    storage: stack("Storage"),
    vending: stack("Vending"),
    cleanup: stack("Cleanup"),
    api: stack("Api"),
    notifications: stack("Notifications"),
    closure: stack("Closure"),
    observability: stack("Observability"),
  };
});

/**
 * What a function invoked asynchronously needs for its on-failure destination, a queue (CDK's
 * SqsDestination grants these to the function's role: Lambda sends the failed event as the function).
 */
const ON_FAILURE = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"];

/** Every IAM action granted to the function whose logical id starts with `prefix`. */
function actionsOf(template: Template, prefix: string): string[] {
  const policies = template.findResources("AWS::IAM::Policy");
  const actions = new Set<string>();
  for (const [id, policy] of Object.entries(policies)) {
    if (!id.startsWith(prefix)) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      for (const action of [statement.Action].flat()) actions.add(action);
    }
  }
  return [...actions].sort();
}

describe("Storage stack", () => {
  it("creates the requests table with its two indexes", () => {
    templates.storage.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: "byCreated" }),
        Match.objectLike({ IndexName: "byStatus" }),
      ]),
    });
    templates.storage.resourceCountIs("AWS::Events::EventBus", 1);
  });
});

describe("Vending stack", () => {
  it("deploys a Standard state machine whose Task states invoke the vend functions", () => {
    const machines = templates.vending.findResources("AWS::StepFunctions::StateMachine");
    const [machine] = Object.values(machines);
    expect(Object.keys(machines)).toHaveLength(1);
    expect(machine?.Properties.StateMachineType).toBe("STANDARD");
    const definition = JSON.stringify(machine?.Properties.DefinitionString);
    // The deployed definition has a Task state for every stage of the table.
    for (const state of Object.keys(VEND_TASK_STATES)) {
      expect(definition).toContain(`\\"${state}\\":{\\"Type\\":\\"Task\\"`);
    }
    expect(definition).toMatch(/Vendcreate[A-F0-9]+/);
  });

  it("runs one function per stage of the stage table, each told its stage by QM_TASK", () => {
    const stages = Object.values(templates.vending.findResources("AWS::Lambda::Function"))
      .filter((f) => f.Properties.Handler === "packages/functions/src/vend-task.handler")
      .map((f) => f.Properties.Environment.Variables.QM_TASK as string);

    expect(stages.sort()).toEqual([...VEND_STAGE_NAMES].sort());
  });

  it("uses Node.js 22 for every function", () => {
    const functions = Object.values(templates.vending.findResources("AWS::Lambda::Function"));
    expect(functions.length).toBeGreaterThanOrEqual(8);
    for (const fn of functions) expect(fn.Properties.Runtime).toBe("nodejs22.x");
  });

  // Every task may record its request's failure: read/update the record, publish the event.
  const record = ["dynamodb:GetItem", "dynamodb:UpdateItem", "events:PutEvents"];
  it.each([
    [
      "Vendcreate",
      [
        "organizations:CreateAccount",
        "organizations:DescribeAccount",
        "organizations:DescribeCreateAccountStatus",
        "organizations:TagResource",
      ],
    ],
    [
      "VendawaitCreation",
      [
        "organizations:DescribeCreateAccountStatus",
        "organizations:ListAccounts",
        "organizations:ListTagsForResource",
        "states:SendTaskSuccess",
      ],
    ],
    ["Vendplace", ["organizations:ListParents", "organizations:MoveAccount"]],
    ["Vendgrant", ["sso:CreateAccountAssignment", "sso:ListAccountAssignments"]],
    ["VendawaitGrants", ["sso:DescribeAccountAssignmentCreationStatus"]],
    ["Vendtag", ["organizations:ListTagsForResource", "organizations:TagResource"]],
    ["Vendrecord", []],
    [
      "Vendbudget",
      [
        "budgets:ModifyBudget",
        "budgets:ViewBudget",
        "dynamodb:PutItem",
        "organizations:DescribeOrganization",
      ],
    ],
  ])("grants %s only the actions its step calls", (prefix, expected) => {
    expect(actionsOf(templates.vending, prefix)).toEqual([...expected, ...record].sort());
  });
  it("lets the state machine invoke only its task functions", () => {
    const actions = actionsOf(templates.vending, "VendAccountRole");
    expect(actions).toEqual(["lambda:InvokeFunction"]);
  });
});

describe("both state machines", () => {
  it("retry on every Task the Lambda errors AWS recommends retrying", () => {
    for (const template of [templates.vending, templates.cleanup]) {
      const [machine] = Object.values(template.findResources("AWS::StepFunctions::StateMachine"));
      const definition = JSON.stringify(machine?.Properties.DefinitionString);
      const tasks = definition.match(/\\"Type\\":\\"Task\\"/g)?.length ?? 0;
      expect(tasks).toBeGreaterThan(0);
      for (const error of [
        "Lambda.ClientExecutionTimeoutException",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
      ]) {
        expect(definition.split(error).length - 1, error).toBe(tasks);
      }
    }
  });
});

describe("Api stack", () => {
  it("serves every route of the contract with AWS_IAM authorisation, except Slack's two", () => {
    const routes = templates.api.findResources("AWS::ApiGatewayV2::Route");
    const keys = Object.values(routes)
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(keys).toEqual(
      [
        "GET /accounts/requests",
        "GET /accounts/requests/{requestId}",
        "GET /cleanup/runs/{runId}",
        "GET /health",
        "GET /openapi.json",
        "POST /accounts",
        "POST /accounts/requests/{requestId}/retry",
        "POST /accounts/requests/{requestId}/approve",
        "POST /accounts/requests/{requestId}/reject",
        "POST /accounts/requests/{requestId}/lease",
        "POST /accounts/{accountId}/close",
        "GET /closures",
        "GET /closures/{closureId}",
        "POST /budgets/reconcile",
        "GET /budgets/reconcile/{reconcileId}",
        "POST /baseline/plans",
        "GET /baseline/plans/{planId}",
        "POST /baseline/plans/{planId}/apply",
        "GET /baseline",
        "GET /baseline/export",
        "GET /profiles",
        "POST /drift/checks",
        "GET /drift/checks/{checkId}",
        "POST /drift/checks/{checkId}/repair",
        "GET /drift/repairs/{repairId}",
        "POST /cleanup/runs",
        "POST /cleanup/runs/{runId}/retry",
        "POST /slack/interactions",
        "POST /slack/commands",
      ].sort(),
    );
    const withoutIam = Object.values(routes)
      .filter((r) => r.Properties.AuthorizationType !== "AWS_IAM")
      .map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType ?? "NONE"]);
    // Slack signs its requests (verified by the Slack function); nothing else is reachable without IAM.
    expect(withoutIam.sort()).toEqual([
      ["POST /slack/commands", "NONE"],
      ["POST /slack/interactions", "NONE"],
    ]);
  });

  it("serves every route from one function, and Slack's two from the Slack function", () => {
    const handlers = Object.values(templates.api.findResources("AWS::Lambda::Function"))
      .map((f) => f.Properties.Handler as string)
      .filter((h) => h.startsWith("packages/"));
    expect(handlers.sort()).toEqual([
      "packages/functions/src/api.handler",
      "packages/functions/src/slack.handler",
    ]);
  });

  it("binds the Slack signing secret to the Slack routes' function only, which answers and hands the work on", () => {
    const functionOf = (template: Template, handler: string) =>
      Object.values(template.findResources("AWS::Lambda::Function")).find(
        (f) => f.Properties.Handler === `packages/functions/src/${handler}.handler`,
      );
    const envOf = (f: ReturnType<typeof functionOf>) =>
      Object.keys(f?.Properties.Environment?.Variables ?? {});
    const slack = functionOf(templates.api, "slack");
    const worker = functionOf(templates.notifications, "slack-worker");
    expect(envOf(slack).filter((k) => k.includes("SLACK"))).toEqual([
      "SST_Secret_value_SLACK_SIGNING_SECRET",
    ]);
    expect(envOf(worker).filter((k) => k.includes("SLACK"))).toEqual(["SST_Secret_value_SLACK_BOT_TOKEN"]);
    expect(envOf(functionOf(templates.api, "api")).filter((k) => k.includes("SLACK"))).toEqual([]);
    expect(actionsOf(templates.api, "SlackHandler")).toEqual(["events:PutEvents", "ssm:GetParameters"]);
    expect(actionsOf(templates.notifications, "SlackWorker")).toEqual(
      [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "events:PutEvents",
        "identitystore:DescribeUser",
        "identitystore:GetGroupId",
        "identitystore:GetUserId",
        "identitystore:IsMemberInGroups",
        "identitystore:ListGroupMembershipsForMember",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListParents",
        "organizations:ListRoots",
        "sso:DescribePermissionSet",
        "sso:ListInstances",
        "sso:ListPermissionSets",
        "ssm:GetParameters",
        "states:StartExecution",
        ...ON_FAILURE,
      ].sort(),
    );
    templates.notifications.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { source: ["quartermaster"], "detail-type": ["Slack Work Requested"] },
      Targets: Match.arrayWith([
        Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^SlackWorker"), "Arn"] } }),
      ]),
    });
  });

  it("grants the API function exactly the actions its routes call", () => {
    expect(actionsOf(templates.api, "ApiHandler")).toEqual(
      [
        // A clean-up's retry forgets the accounts that failed, in batches.
        "dynamodb:BatchWriteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "events:PutEvents",
        "identitystore:DescribeUser",
        "identitystore:GetGroupId",
        "identitystore:GetUserId",
        "identitystore:IsMemberInGroups",
        "identitystore:ListGroupMembershipsForMember",
        "organizations:DescribeAccount",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListParents",
        "organizations:ListRoots",
        "sso:DescribePermissionSet",
        "sso:ListInstances",
        "sso:ListPermissionSets",
        // GET /baseline/export reads the organisation as a plan does.
        "identitystore:ListGroupMemberships",
        "identitystore:ListGroups",
        "identitystore:ListUsers",
        "organizations:DescribePolicy",
        "organizations:ListAccountsForParent",
        "organizations:ListPolicies",
        "organizations:ListTargetsForPolicy",
        "sso:GetInlinePolicyForPermissionSet",
        "sso:GetPermissionsBoundaryForPermissionSet",
        "sso:ListAccountAssignmentsForPrincipal",
        "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
        "sso:ListManagedPoliciesInPermissionSet",
        "states:DescribeExecution",
        "states:RedriveExecution",
        "states:StartExecution",
      ].sort(),
    );
  });

  it("lets the API start executions of the project's six state machines only", () => {
    const statements = Object.entries(templates.api.findResources("AWS::IAM::Policy"))
      .filter(([id]) => id.startsWith("ApiHandler"))
      .flatMap(
        ([, p]) =>
          p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      )
      .filter((st) => [st.Action].flat().includes("states:StartExecution"));
    const resources = statements.flatMap((st) => [st.Resource].flat()).map((r) => JSON.stringify(r));

    expect(statements).toHaveLength(1);
    expect(resources).toHaveLength(6);
    expect(resources.some((r) => /DriftWorkflow/.test(r))).toBe(true);
    expect(resources.some((r) => /BudgetReconcile/.test(r))).toBe(true);
    expect(resources.some((r) => /BaselineWorkflow/.test(r))).toBe(true);
    expect(resources.some((r) => /VendAccount/.test(r))).toBe(true);
    expect(resources.some((r) => /SandboxCleanup/.test(r))).toBe(true);
    expect(resources.some((r) => /AccountClosure/.test(r))).toBe(true);
  });
});

describe("Cleanup stack", () => {
  it("schedules the clean-up at midnight UTC, the drift check daily at 06:00 and the budget reconcile weekly, with retries and a dead-letter queue, targeting their state machines", () => {
    const schedules = Object.values(templates.cleanup.findResources("AWS::Scheduler::Schedule"));
    expect(schedules.map((s) => s.Properties.ScheduleExpression).sort()).toEqual([
      "cron(0 0 * * ? *)",
      "cron(0 6 * * ? *)",
      "cron(0 6 ? * MON *)",
    ]);
    const drift = schedules.find((s) => s.Properties.ScheduleExpression === "cron(0 6 * * ? *)")?.Properties;
    expect(JSON.stringify(drift?.Target.Arn)).toMatch(/DriftWorkflow/);
    expect(JSON.parse(drift?.Target.Input)).toEqual({ action: "check" });
    expect(drift?.Target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(JSON.stringify(drift?.Target.DeadLetterConfig.Arn)).toMatch(/ScheduleDeadLetters/);
    const weekly = schedules.find((s) => s.Properties.ScheduleExpression === "cron(0 6 ? * MON *)");
    expect(JSON.stringify(weekly?.Properties.Target.Arn)).toMatch(/BudgetReconcile/);
    expect(JSON.stringify(weekly?.Properties.Target.DeadLetterConfig.Arn)).toMatch(/ScheduleDeadLetters/);
    const props = schedules.find((s) => s.Properties.ScheduleExpression === "cron(0 0 * * ? *)")?.Properties;
    expect(props.ScheduleExpression).toBe("cron(0 0 * * ? *)");
    expect(props.ScheduleExpressionTimezone).toBe("UTC");
    expect(props.Target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(JSON.stringify(props.Target.DeadLetterConfig.Arn)).toMatch(/ScheduleDeadLetters/);
    expect(JSON.stringify(props.Target.Arn)).toMatch(/SandboxCleanup/);
    templates.cleanup.resourceCountIs("AWS::SQS::Queue", 1);
  });

  it("fans out through the engine: a Distributed Map reading the run's accounts from the items bucket, one child per account, at the configured concurrency, reserved in Lambda", () => {
    const [machine] = Object.values(templates.cleanup.findResources("AWS::StepFunctions::StateMachine"));
    const definition = JSON.parse(
      JSON.stringify(
        machine?.Properties.DefinitionString["Fn::Join"][1].map((p: unknown) =>
          typeof p === "string" ? p : "ARN",
        ),
      ),
    ).join("");
    const map = JSON.parse(definition).States.CleanAccounts;
    expect(map).toMatchObject({
      Type: "Map",
      MaxConcurrency: 200,
      ToleratedFailurePercentage: 100,
      ItemReader: {
        Resource: "arn:aws:states:::s3:getObject",
        ReaderConfig: { InputType: "JSON" },
        Parameters: { "Bucket.$": "$.plan.items.bucket", "Key.$": "$.plan.items.key" },
      },
      ItemProcessor: { ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" } },
      ResultPath: null,
    });
    // The items are never in a state: no ItemsPath, and StartRun's output names only where they are.
    expect(map.ItemsPath).toBeUndefined();
    const functions = templates.cleanup.findResources("AWS::Lambda::Function");
    const reserved = Object.entries(functions)
      .filter(([id]) => id.startsWith("CleanupcleanAccount"))
      .map(([, f]) => f.Properties.ReservedConcurrentExecutions);
    expect(reserved).toEqual([200]);
  });

  it("lets the state machine read only the clean-up's items, and start, describe and stop only its own children", () => {
    const machineRole = Object.keys(templates.cleanup.findResources("AWS::IAM::Role")).find((id) =>
      id.startsWith("SandboxCleanupRole"),
    );
    expect(machineRole).toBeDefined();
    const statements = Object.entries(templates.cleanup.findResources("AWS::IAM::Policy"))
      .filter(([id]) => id.startsWith("SandboxCleanupRoleDefaultPolicy"))
      .flatMap(
        ([, p]) =>
          p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      );
    const byAction = (action: string) => statements.filter((s) => [s.Action].flat().includes(action));
    expect(JSON.stringify(byAction("s3:GetObject")[0]?.Resource)).toMatch(/FanoutItems.*fanout\/cleanup\/\*/);
    expect(JSON.stringify(byAction("states:StartExecution")[0]?.Resource)).toMatch(
      /stateMachine:test-quartermaster-sandbox-cleanup"/,
    );
    for (const action of ["states:DescribeExecution", "states:StopExecution"])
      expect(JSON.stringify(byAction(action)[0]?.Resource)).toMatch(
        /execution:test-quartermaster-sandbox-cleanup\/\*/,
      );
  });

  it("lets only the account task assume a role, and only the configured member role in this organisation", () => {
    const statements = Object.entries(templates.cleanup.findResources("AWS::IAM::Policy")).flatMap(
      ([id, p]) =>
        p.Properties.PolicyDocument.Statement.map((s: { Action: string | string[]; Resource: unknown }) => ({
          id,
          ...s,
        })),
    );
    const assume = statements.filter((s) => [s.Action].flat().includes("sts:AssumeRole"));
    expect(assume.map((s) => s.id.replace(/ServiceRole.*$/, "")).sort()).toEqual(["CleanupcleanAccount"]);
    for (const statement of assume) {
      expect(statement.Resource).toBe("arn:aws:iam::*:role/OrganizationAccountAccessRole");
      expect((statement as { Condition?: unknown }).Condition).toEqual({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the IAM policy variable, as the template holds it.
        StringEquals: { "aws:ResourceOrgID": "${aws:PrincipalOrgID}" },
      });
    }
    expect(actionsOf(templates.cleanup, "CleanupcleanAccount")).toEqual([
      "account:ListRegions",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
      "sts:AssumeRole",
    ]);
  });

  it("waits on deletions in the state machine: a Wait state between an account's checks, and no task runs long", () => {
    const machine = Object.values(templates.cleanup.findResources("AWS::StepFunctions::StateMachine"))[0];
    const definition = JSON.stringify(machine?.Properties.DefinitionString);
    for (const state of ["StartAccount", "WaitForDeletions", "CheckAccount"])
      expect(definition).toContain(`\\"${state}\\"`);
    const timeouts = Object.entries(templates.cleanup.findResources("AWS::Lambda::Function"))
      .filter(([id]) => id.startsWith("Cleanup"))
      .map(([, f]) => f.Properties.Timeout as number);
    expect(Math.max(...timeouts)).toBeLessThanOrEqual(300);
  });

  it("lets the scheduler only start the clean-up and write to its dead-letter queue", () => {
    expect(actionsOf(templates.cleanup, "SchedulerRole")).toEqual([
      "sqs:SendMessage",
      "states:StartExecution",
    ]);
  });
});

describe("Notifications stack", () => {
  it("routes the domain events from the project bus to the notifier", () => {
    templates.notifications.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: Match.anyValue(),
      EventPattern: {
        source: ["quartermaster"],
        "detail-type": [
          "Account Ready",
          "Account Vending Failed",
          "Sandbox Cleanup Completed",
          "Account Approval Requested",
          "Account Request Decided",
          "Account Closed",
          "Account Closure Waiting",
          "Account Closure Failed",
          "Account Lease Ending",
          "Drift Detected",
        ],
      },
      Targets: Match.arrayWith([
        Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^Notifier"), "Arn"] } }),
      ]),
    });
  });

  it("catches FAILED, TIMED_OUT and ABORTED executions of the project's state machines only", () => {
    const rules = Object.values(templates.notifications.findResources("AWS::Events::Rule"));
    const states = rules.find((r) => r.Properties.EventPattern.source?.[0] === "aws.states");
    expect(states?.Properties.EventPattern.detail.status).toEqual(["FAILED", "TIMED_OUT", "ABORTED"]);
    expect(states?.Properties.EventPattern.detail.stateMachineArn).toHaveLength(6);
  });

  it("gives every rule target and every schedule a dead-letter queue", () => {
    const rules = Object.values(templates.notifications.findResources("AWS::Events::Rule"));
    const targets = rules.flatMap((r) => r.Properties.Targets as { DeadLetterConfig?: { Arn: unknown } }[]);
    const schedules = Object.values(templates.notifications.findResources("AWS::Scheduler::Schedule"));

    expect(targets.length).toBeGreaterThanOrEqual(2);
    for (const t of targets) expect(JSON.stringify(t.DeadLetterConfig?.Arn)).toMatch(/DeliveryDeadLetters/);
    expect(schedules).toHaveLength(1);
    for (const s of schedules)
      expect(JSON.stringify(s.Properties.Target.DeadLetterConfig.Arn)).toMatch(/DeliveryDeadLetters/);
  });

  it("sends execution failures to the execution monitor only, so each failure reaches Slack once", () => {
    const rules = Object.values(templates.notifications.findResources("AWS::Events::Rule"));
    const states = rules.find((r) => r.Properties.EventPattern.source?.[0] === "aws.states");
    const targets = ((states?.Properties.Targets ?? []) as { Arn: unknown }[]).map((t) =>
      JSON.stringify(t.Arn),
    );

    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatch(/ExecutionMonitor/);
  });

  it("subscribes the notifier to the budget topic, which only AWS Budgets of this account may publish to", () => {
    templates.notifications.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "lambda" });
    templates.storage.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: "sns:Publish",
            Principal: { Service: "budgets.amazonaws.com" },
            Condition: Match.anyValue(),
          }),
        ]),
      },
    });
  });

  it("resumes waiting vends on Organizations' CreateAccountResult, from the default bus, with a dead-letter queue", () => {
    const rules = Object.entries(templates.notifications.findResources("AWS::Events::Rule"));
    const [, rule] = rules.find(([id]) => id.startsWith("CreationResults")) ?? [];
    expect(rule?.Properties.EventBusName).toBeUndefined();
    expect(rule?.Properties.EventPattern).toEqual({
      source: ["aws.organizations"],
      "detail-type": ["AWS Service Event via CloudTrail"],
      detail: { eventName: ["CreateAccountResult"] },
    });
    const [target] = rule?.Properties.Targets ?? [];
    expect(JSON.stringify(target.Arn)).toMatch(/CreationEvents/);
    expect(JSON.stringify(target.DeadLetterConfig)).toMatch(/DeliveryDeadLetters/);
  });

  it("binds the Slack webhook secret to the notifier and grants it only the dedupe writes besides", () => {
    const notifier = Object.entries(templates.notifications.findResources("AWS::Lambda::Function")).find(
      ([id]) => id.startsWith("Notifier"),
    );
    expect(JSON.stringify(notifier?.[1].Properties.Environment)).toContain(
      "SST_Secret_value_SLACK_WEBHOOK_URL",
    );
    expect(JSON.stringify(notifier?.[1].Properties.Environment)).not.toMatch(/hooks\.slack\.com/);
    expect(actionsOf(templates.notifications, "Notifier")).toEqual(
      ["dynamodb:DeleteItem", "dynamodb:PutItem", "ssm:GetParameters", ...ON_FAILURE].sort(),
    );
  });

  it("scopes the reconcile's budget permissions to budget ARNs of the payer account", () => {
    const statements = Object.values(templates.cleanup.findResources("AWS::IAM::Policy")).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const budgetStatements = statements.filter((s) =>
      [s.Action].flat().some((a) => a.startsWith("budgets:")),
    );
    expect(budgetStatements.length).toBeGreaterThan(0);
    for (const s of budgetStatements) expect(JSON.stringify(s.Resource)).toContain(":budget/");
  });

  it("expires approvals and ends leases every 15 minutes", () => {
    const schedules = Object.values(templates.notifications.findResources("AWS::Scheduler::Schedule"));
    expect(schedules.map((s) => s.Properties.ScheduleExpression)).toEqual(["rate(15 minutes)"]);
    expect(JSON.stringify(schedules[0]?.Properties.Target.Arn)).toMatch(/Housekeeping/);
    expect(actionsOf(templates.notifications, "Housekeeping")).toEqual(
      [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "events:PutEvents",
        "organizations:DescribeAccount",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListParents",
        "states:StartExecution",
        ...ON_FAILURE,
      ].sort(),
    );
  });
});

describe("budget reconcile in the background", () => {
  it("fans out through the engine: POST /budgets/reconcile starts the state machine, each account a child of a Distributed Map reading S3", () => {
    const machine = Object.entries(templates.cleanup.findResources("AWS::StepFunctions::StateMachine")).find(
      ([id]) => id.startsWith("BudgetReconcile"),
    )?.[1];
    const definition = JSON.stringify(machine?.Properties.DefinitionString);
    for (const fragment of [
      "StartReconcile",
      "CreateBudgets",
      "DISTRIBUTED",
      "arn:aws:states:::s3:getObject",
      "FinishReconcile",
    ])
      expect(definition).toContain(fragment);
    expect(actionsOf(templates.cleanup, "ReconcilecreateBudget")).toEqual([
      "budgets:ModifyBudget",
      "budgets:ViewBudget",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "organizations:DescribeOrganization",
    ]);
    // The API starts the workflow: no budget action, nothing that lists the organisation's accounts.
    expect(actionsOf(templates.api, "ApiHandler").filter((a) => a.startsWith("budgets:"))).toEqual([]);
  });
});

describe("baseline", () => {
  it("plans through the fan-out engine (a child per group) and applies in a loop that waits for Identity Center", () => {
    const machine = Object.entries(templates.cleanup.findResources("AWS::StepFunctions::StateMachine")).find(
      ([id]) => id.startsWith("BaselineWorkflow"),
    )?.[1];
    const definition = JSON.stringify(machine?.Properties.DefinitionString);
    for (const fragment of [
      "StartPlan",
      "ReadGroups",
      "DISTRIBUTED",
      "arn:aws:states:::s3:getObject",
      "FinishPlan",
      "ApplyChanges",
      "WaitForIdentityCenter",
      "FinishApply",
    ])
      expect(definition).toContain(fragment);
  });

  it("gives each task exactly the actions it calls: reads to the plan, writes to the apply alone", () => {
    expect(actionsOf(templates.cleanup, "BaselinereadGroup")).toEqual([
      "s3:GetObject",
      "s3:PutObject",
      "sso:ListAccountAssignmentsForPrincipal",
    ]);
    // The plan's first task reads the organisation and writes only its own items.
    expect(actionsOf(templates.cleanup, "BaselinestartPlan")).toEqual(
      [...BASELINE_STRUCTURE_READS, "dynamodb:GetItem", "s3:PutObject"].sort(),
    );
    expect(actionsOf(templates.cleanup, "BaselinefinishPlan")).toEqual([
      "dynamodb:BatchWriteItem",
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
      "s3:GetObject",
    ]);
    const apply = actionsOf(templates.cleanup, "BaselineapplyChanges");
    for (const action of [
      "organizations:CreateOrganizationalUnit",
      "organizations:AttachPolicy",
      "sso:ProvisionPermissionSet",
      "sso:DescribePermissionSetProvisioningStatus",
      "sso:CreateAccountAssignment",
      "sso:DeleteAccountAssignment",
      "identitystore:CreateGroupMembership",
    ])
      expect(apply).toContain(action);
    expect(apply.filter((a) => a.startsWith("s3:") || a.startsWith("sts:"))).toEqual([]);
  });
});

describe("drift", () => {
  const definition = () =>
    JSON.stringify(
      Object.entries(templates.cleanup.findResources("AWS::StepFunctions::StateMachine")).find(([id]) =>
        id.startsWith("DriftWorkflow"),
      )?.[1]?.Properties.DefinitionString,
    );

  it("checks through the fan-out engine (a child per account), waits for the baseline's plan in a Wait state, and repairs through it too", () => {
    for (const fragment of [
      "StartCheck",
      "CheckAccounts",
      "DISTRIBUTED",
      "arn:aws:states:::s3:getObject",
      "AwaitBaseline",
      "WaitForBaseline",
      "FinishCheck",
      "StartRepair",
      "RepairAccounts",
      "FinishRepair",
    ])
      expect(definition()).toContain(fragment);
  });

  it("lets the state machine read only drift's items, and start only its own children", () => {
    const statements = Object.entries(templates.cleanup.findResources("AWS::IAM::Policy"))
      .filter(([id]) => id.startsWith("DriftWorkflowRole"))
      .flatMap(
        ([, p]) =>
          p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      );
    const reads = statements.filter((st) => [st.Action].flat().includes("s3:GetObject"));
    expect(JSON.stringify(reads.map((st) => st.Resource))).toMatch(/fanout\/drift\/\*/);
  });

  it.each([
    [
      "DriftstartCheck",
      [
        "dynamodb:BatchWriteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "identitystore:GetGroupId",
        "organizations:ListAccounts",
        "s3:PutObject",
        "sso:DescribePermissionSet",
        "sso:ListInstances",
        "sso:ListPermissionSets",
        "states:StartExecution",
      ],
    ],
    [
      // Reads only: what the account's vend wrote, and the check's own result.
      "DriftcheckAccount",
      [
        "budgets:ViewBudget",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListParents",
        "organizations:ListRoots",
        "organizations:ListTagsForResource",
        "sso:ListAccountAssignments",
      ],
    ],
    ["DriftawaitBaseline", ["dynamodb:GetItem"]],
    ["DriftfinishCheck", ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem", "events:PutEvents"]],
    [
      "DriftstartRepair",
      ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "s3:PutObject"],
    ],
    [
      // The vend's own writes (move, assign, budget, tag) and nothing that closes or deletes.
      "DriftrepairAccount",
      [
        "budgets:ModifyBudget",
        "budgets:ViewBudget",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "identitystore:GetGroupId",
        "organizations:DescribeAccount",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListParents",
        "organizations:ListRoots",
        "organizations:ListTagsForResource",
        "organizations:MoveAccount",
        "organizations:TagResource",
        "sso:CreateAccountAssignment",
        "sso:DescribeAccountAssignmentCreationStatus",
        "sso:DescribePermissionSet",
        "sso:ListAccountAssignments",
        "sso:ListInstances",
        "sso:ListPermissionSets",
      ],
    ],
    ["DriftfinishRepair", ["dynamodb:GetItem", "dynamodb:UpdateItem"]],
  ])("grants %s exactly the actions it calls", (fn, actions) => {
    expect(actionsOf(templates.cleanup, fn)).toEqual(actions);
  });
});

describe("Closure stack", () => {
  const task = (name: string) => `Closure${name}`;

  it("deploys the account-closure state machine: the clean-up and close loops wait in Wait states", () => {
    const machines = Object.values(templates.closure.findResources("AWS::StepFunctions::StateMachine"));
    expect(machines).toHaveLength(1);
    const definition = JSON.stringify(machines[0]?.Properties.DefinitionString);
    for (const state of [
      "Cleanup",
      "WaitForCleanup",
      "Close",
      "WaitForQuota",
      "WaitForSuspended",
      "Move",
      "Finish",
    ])
      expect(definition).toContain(`\\"${state}\\"`);
    expect(definition).not.toContain("TimeoutSeconds");
  });

  it.each([
    [
      "cleanup",
      [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "events:PutEvents",
        "states:DescribeExecution",
        "states:StartExecution",
      ],
    ],
    [
      "close",
      [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "events:PutEvents",
        "organizations:CloseAccount",
        "organizations:DescribeAccount",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListParents",
      ],
    ],
    [
      "move",
      [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "events:PutEvents",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListParents",
        "organizations:ListRoots",
        "organizations:MoveAccount",
      ],
    ],
    [
      "finish",
      [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "events:PutEvents",
        "organizations:DescribeAccount",
      ],
    ],
  ])("grants the %s task exactly the actions it calls", (name, actions) => {
    expect(actionsOf(templates.closure, task(name))).toEqual([...actions].sort());
  });

  it("lets only the close task call CloseAccount, and nothing in the project call it otherwise", () => {
    const everywhere = Object.entries(templates).flatMap(([stack, template]) =>
      Object.entries(template.findResources("AWS::IAM::Policy"))
        .filter(([, p]) => JSON.stringify(p).includes("organizations:CloseAccount"))
        .map(([id]) => `${stack}:${id}`),
    );
    expect(everywhere).toHaveLength(1);
    expect(everywhere[0]).toMatch(/^closure:Closureclose/);
  });
});

describe("IAM guarded by the organisation", () => {
  /** Actions IAM can scope to resources: they must never be granted on `*`. */
  const SCOPABLE = [
    "organizations:DescribeAccount",
    "organizations:CloseAccount",
    "organizations:TagResource",
    "organizations:ListTagsForResource",
    "organizations:DescribeOrganizationalUnit",
    "organizations:ListParents",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
    "organizations:MoveAccount",
    "sso:ListPermissionSets",
    "sso:DescribePermissionSet",
    "identitystore:GetGroupId",
    "account:ListRegions",
  ];

  it("grants no action that supports resource-level permissions on *, in any function of any stack", () => {
    // CreateAccount with Tags is authorised as TagResource on an account that does not exist yet: `*` (stacks/Vending.ts).
    const known = /^vending:VendcreateServiceRoleDefaultPolicy[0-9A-F]+:organizations:TagResource$/;
    const onStar = Object.entries(templates).flatMap(([stack, template]) =>
      Object.entries(template.findResources("AWS::IAM::Policy")).flatMap(([id, policy]) =>
        (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
          .filter((st) => [st.Resource].flat().includes("*"))
          .flatMap((st) =>
            [st.Action]
              .flat()
              .filter((a) => SCOPABLE.includes(a))
              .map((a) => `${stack}:${id}:${a}`),
          ),
      ),
    );
    expect(onStar.filter((grant) => !known.test(grant))).toEqual([]);
  });

  it("scopes Organizations objects to the management account's organisation, and Identity Center to its instance and store", () => {
    const statements = Object.values(templates).flatMap((template) =>
      Object.values(template.findResources("AWS::IAM::Policy")).flatMap(
        (policy) =>
          policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      ),
    );
    const resourcesOf = (action: string) =>
      new Set(
        statements
          .filter((st) => [st.Action].flat().includes(action))
          .flatMap((st) => [st.Resource].flat().map((r) => JSON.stringify(r))),
      );
    for (const r of resourcesOf("organizations:CloseAccount"))
      expect(r).toMatch(/arn:aws:organizations::.*:account\/o-\*\/\*/);
    for (const r of resourcesOf("organizations:ListAccountsForParent"))
      expect(r).toMatch(/arn:aws:organizations::.*:(ou\/o-\*\/ou-\*|root\/o-\*\/r-\*)/);
    // Both kinds of instance id: `ssoins-` (an organisation instance) and `ins-`.
    expect([...resourcesOf("sso:DescribePermissionSet")].sort()).toEqual(
      [
        '"arn:aws:sso:::instance/ssoins-*"',
        '"arn:aws:sso:::instance/ins-*"',
        '"arn:aws:sso:::permissionSet/ssoins-*/ps-*"',
        '"arn:aws:sso:::permissionSet/ins-*/ps-*"',
      ].sort(),
    );
    for (const r of resourcesOf("identitystore:GetGroupId"))
      expect(r).toMatch(/arn:aws:identitystore::.*:identitystore\/d-\*|arn:aws:identitystore:::group\/\*/);
  });
});

describe("configuration", () => {
  it("is bundled into the functions at synth, and rides in no function's environment", () => {
    const functions = Object.values(templates).flatMap((t) =>
      Object.values(t.findResources("AWS::Lambda::Function")),
    );
    const environments = functions.map((f) => JSON.stringify(f.Properties.Environment?.Variables ?? {}));
    expect(functions.length).toBeGreaterThan(10);
    for (const env of environments) {
      expect(env).not.toContain("QM_CONFIG");
      expect(env).not.toContain(CONFIG_MARKER);
      // Lambda allows 4 KB of environment; each stays far below, however large the configuration grows.
      expect(env.length).toBeLessThan(1500);
    }
    const bundles = readdirSync(".sst/artifacts", { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith("packages/functions/src/api.mjs"))
      .map((f) => join(".sst/artifacts", f))
      .filter((f) => statSync(f).mtimeMs >= synthStarted);
    // (Other synths may build bundles meanwhile, with their own configuration: this synth's is among them.)
    expect(bundles.some((bundle) => readFileSync(bundle, "utf8").includes(CONFIG_MARKER))).toBe(true);
  });
});

describe("Observability stack", () => {
  const alarms = () => templates.observability.findResources("AWS::CloudWatch::Alarm");
  const named = (id: string) => Object.entries(alarms()).find(([key]) => key.startsWith(id))?.[1];

  it("alarms on failed executions of each state machine, on both dead-letter queues and on notifier failures", () => {
    expect(
      Object.keys(alarms())
        .map((k) => k.replace(/[A-F0-9]{8}$/, ""))
        .sort(),
    ).toEqual(
      [
        "AsyncFailuresNotEmpty",
        "CleanupExecutionsFailed",
        "ClosureExecutionsFailed",
        "DeliveryDeadLettersNotEmpty",
        "DriftExecutionsFailed",
        "NotifierFailures",
        "ScheduleDeadLettersNotEmpty",
        "VendExecutionsFailed",
      ].sort(),
    );
    for (const alarm of Object.values(alarms())) {
      expect(alarm.Properties.Threshold).toBe(1);
      expect(alarm.Properties.ComparisonOperator).toBe("GreaterThanOrEqualToThreshold");
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toMatch(/OperatorAlarms/);
      expect(alarm.Properties.AlarmDescription).toMatch(/docs\/operations\.md#alarms/);
    }
    const vend = JSON.stringify(named("VendExecutionsFailed")?.Properties.Metrics);
    for (const metric of ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"])
      expect(vend).toContain(metric);
    expect(JSON.stringify(named("DeliveryDeadLettersNotEmpty")?.Properties)).toMatch(
      /ApproximateNumberOfMessagesVisible/,
    );
    expect(JSON.stringify(named("DeliveryDeadLettersNotEmpty")?.Properties)).toMatch(/DeliveryDeadLetters/);
    expect(JSON.stringify(named("ScheduleDeadLettersNotEmpty")?.Properties)).toMatch(/ScheduleDeadLetters/);
    const notifier = JSON.stringify(named("NotifierFailures")?.Properties.Metrics);
    expect(notifier).toMatch(/Errors/);
    expect(notifier).toMatch(/SlackDeliveryFailed/);
  });

  it("draws one dashboard with vends, their duration, clean-up stacks, executions, dead letters and Slack", () => {
    const dashboards = Object.values(templates.observability.findResources("AWS::CloudWatch::Dashboard"));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const metric of [
      "VendsStarted",
      "VendsSucceeded",
      "VendsFailed",
      "VendDuration",
      "CleanupStacksDeleted",
      "CleanupStacksSkipped",
      "CleanupStacksFailed",
      "SlackDeliveryFailed",
      "ApproximateNumberOfMessagesVisible",
    ])
      expect(body).toContain(metric);
  });

  it("gives operators one topic to subscribe to, as an output", () => {
    templates.observability.resourceCountIs("AWS::SNS::Topic", 1);
    expect(Object.keys(templates.observability.findOutputs("*"))).toContain("AlarmTopicArn");
  });
});

describe("every other function's exact actions", () => {
  it.each([
    [
      "cleanup",
      "CleanupstartRun",
      [
        "dynamodb:BatchWriteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListAccountsForParent",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListParents",
        "organizations:ListRoots",
        "s3:PutObject",
      ],
    ],
    [
      "cleanup",
      "CleanupfinishRun",
      ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "events:PutEvents"],
    ],
    [
      "notifications",
      "Notifier",
      ["dynamodb:DeleteItem", "dynamodb:PutItem", "ssm:GetParameters", ...ON_FAILURE],
    ],
    ["notifications", "CreationEvents", ["dynamodb:UpdateItem", "states:SendTaskSuccess", ...ON_FAILURE]],
    [
      "notifications",
      "ExecutionMonitor",
      [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "events:PutEvents",
        ...ON_FAILURE,
      ],
    ],
    [
      "cleanup",
      "ReconcilestartReconcile",
      [
        "budgets:ViewBudget",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:ListAccountsForParent",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListParents",
        "organizations:ListRoots",
        "s3:PutObject",
      ],
    ],
    ["cleanup", "ReconcilefinishReconcile", ["dynamodb:GetItem", "dynamodb:UpdateItem"]],
  ] as const)("%s: %s", (stack, prefix, actions) => {
    expect(actionsOf(templates[stack], prefix)).toEqual([...actions].sort());
  });
});

describe("the AWS clients each function builds", () => {
  /** The text of this synth's bundle of an entry point (several functions may share it). */
  const bundleOf = (entry: string) => {
    const file = readdirSync(".sst/artifacts", { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(`packages/functions/src/${entry}.mjs`))
      .map((f) => join(".sst/artifacts", f))
      .find((f) => statSync(f).mtimeMs >= synthStarted);
    if (!file) throw new Error(`No bundle of ${entry} from this synth`);
    return readFileSync(file, "utf8");
  };

  it("carry only the operations the function calls: the clean-up keeps EC2's DescribeRegions, not RunInstances", () => {
    // (Booleans, not the bundle's text, in the assertions: a failure must not print a megabyte.)
    const holds = (entry: string, text: string) => bundleOf(entry).includes(text);
    expect(holds("cleanup-task", "DescribeRegionsRequest")).toBe(true);
    expect(holds("cleanup-task", "RunInstancesRequest")).toBe(false);
    for (const absent of ["EC2Client", "CloudFormationClient", "AccountClient"])
      expect({ absent, found: holds("api", absent) }).toEqual({ absent, found: false });
    expect(holds("api", "OrganizationsClient")).toBe(true);
  });

  /** The client an IAM action's service needs (DynamoDB and STS are always built; SSM is the secrets' loader). */
  const CLIENT_OF_SERVICE: Record<string, string | undefined> = {
    organizations: "organizations",
    sso: "ssoAdmin",
    identitystore: "identityStore",
    budgets: "budgets",
    account: "account",
    states: "sfn",
    events: "eventBridge",
    s3: "s3",
  };

  it("are exactly those its IAM actions name, over every function built from the same entry point", async () => {
    const needed = new Map<string, Set<string>>();
    for (const template of Object.values(templates)) {
      const policies = Object.values(template.findResources("AWS::IAM::Policy"));
      for (const fn of Object.values(template.findResources("AWS::Lambda::Function"))) {
        const handler = fn.Properties.Handler as string | undefined;
        if (!handler?.startsWith("packages/functions/src/")) continue;
        const entry = handler.replace(/^packages\/functions\/src\/|\.handler$/g, "");
        const role = JSON.stringify(fn.Properties.Role["Fn::GetAtt"]?.[0]);
        const clients = needed.get(entry) ?? new Set<string>();
        for (const policy of policies) {
          if (!JSON.stringify(policy.Properties.Roles).includes(role)) continue;
          for (const statement of policy.Properties.PolicyDocument.Statement) {
            for (const action of [statement.Action].flat() as string[]) {
              const service = action.split(":")[0] as string;
              const client = CLIENT_OF_SERVICE[service];
              if (client) clients.add(client);
              // A member-account session: the clean-up's CloudFormation, and EC2 for its regions.
              if (action === "sts:AssumeRole") for (const c of ["cloudFormation", "ec2"]) clients.add(c);
            }
          }
        }
        needed.set(entry, clients);
      }
    }

    expect([...needed.keys()].sort()).toEqual(
      readdirSync("packages/functions/src")
        .filter((f) => /^[a-z-]+\.ts$/.test(f))
        .filter((f) =>
          readFileSync(join("packages/functions/src", f), "utf8").includes("export const handler"),
        )
        .map((f) => f.replace(/\.ts$/, ""))
        .sort(),
    );
    for (const [entry, clients] of needed) {
      const module = (await import(`../../packages/functions/src/${entry}.ts`)) as { CLIENTS: object };
      expect({ entry, clients: Object.keys(module.CLIENTS).sort() }).toEqual({
        entry,
        clients: [...clients].sort(),
      });
    }
  });
});

describe("the templates, checked as AWS will check them", () => {
  const resolver = () =>
    new TemplateResolver(
      Object.fromEntries(Object.entries(templates).map(([name, t]) => [name, t.toJSON() as TemplateJson])),
      { account: ACCOUNT, region: "us-east-1" },
    );
  /** The resources (as deployed) of every statement granting `action` to the functions whose role starts with `prefix`. */
  const grantedOn = (stack: keyof typeof templates, prefix: string, action: string) => {
    const r = resolver();
    return r
      .resources("AWS::IAM::Policy")
      .filter((p) => p.stack === stack && p.id.startsWith(prefix))
      .flatMap(
        (p) =>
          (p.properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
      )
      .filter((st) => [st.Action].flat().includes(action))
      .flatMap((st) => [r.resolve(stack, st.Resource)].flat())
      .sort();
  };

  it("lets retries and closures describe and redrive executions: the ARNs IAM authorises for those actions", () => {
    const executions = (machine: string) =>
      `arn:aws:states:us-east-1:${ACCOUNT}:execution:test-quartermaster-${machine}:*`;

    for (const action of ["states:DescribeExecution", "states:RedriveExecution"])
      expect(grantedOn("api", "ApiHandler", action)).toEqual(
        [executions("sandbox-cleanup"), executions("vend-account")].sort(),
      );
    expect(grantedOn("closure", "Closurecleanup", "states:DescribeExecution")).toEqual([
      executions("sandbox-cleanup"),
    ]);
  });

  /** The templates as files, as `npm run synth` writes them. */
  const written = () => {
    const dir = mkdtempSync(join(tmpdir(), "qm-templates-"));
    const files = Object.entries(templates).map(([name, template]) => {
      const file = join(dir, `${name}.template.json`);
      writeFileSync(file, JSON.stringify(template.toJSON()));
      return file;
    });
    return { dir, files };
  };

  it("grant every action only on resources of a type that action authorises (the Service Authorization Reference)", async () => {
    const app = loadDeployedApp(written().dir);

    const problems = await grantsOnWrongResourceTypes(app);

    expect(app.functions.size).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it("pass cfn-lint", () => {
    const { files } = written();

    // W3005 (a DependsOn that a GetAtt already implies) is how CDK writes every function's role; nothing to act on.
    const lint = spawnSync("cfn-lint", ["--ignore-checks", "W3005", "--", ...files], { encoding: "utf8" });

    if (lint.error)
      throw new Error(`cfn-lint could not run (it comes with the machine's python3): ${lint.error.message}`);
    expect({ status: lint.status, output: `${lint.stdout}${lint.stderr}`.trim() }).toEqual({
      status: 0,
      output: "",
    });
  });

  it("put no alarm on a SEARCH expression, which CloudWatch refuses", () => {
    const searches = resolver()
      .resources("AWS::CloudWatch::Alarm")
      .filter((a) => /SEARCH\s*\(/.test(JSON.stringify(a.properties.Metrics ?? [])))
      .map((a) => a.id);

    expect(searches).toEqual([]);
  });

  it("give every asynchronously invoked function an on-failure destination", () => {
    const r = resolver();
    const arnOf = (stack: string, value: unknown) => String(r.resolve(stack, value));
    const invoked = new Set<string>([
      ...r
        .resources("AWS::Events::Rule")
        .flatMap((rule) =>
          ((rule.properties.Targets ?? []) as { Arn: unknown }[]).map((t) => arnOf(rule.stack, t.Arn)),
        ),
      ...r
        .resources("AWS::Scheduler::Schedule")
        .map((s) => arnOf(s.stack, (s.properties.Target as { Arn: unknown }).Arn)),
      ...r
        .resources("AWS::SNS::Subscription")
        .filter((s) => s.properties.Protocol === "lambda")
        .map((s) => arnOf(s.stack, s.properties.Endpoint)),
    ]);
    const functions = [...invoked].filter((arn) => arn.startsWith("arn:aws:lambda:"));
    const withDestination = new Set(
      r
        .resources("AWS::Lambda::EventInvokeConfig")
        .filter((c) => JSON.stringify(c.properties.DestinationConfig ?? {}).includes("OnFailure"))
        .map(
          (c) =>
            `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${r.resolve(c.stack, c.properties.FunctionName)}`,
        ),
    );

    // The notifier, the monitor, creation events, housekeeping and the Slack worker (the reconcile is a workflow now).
    expect(functions.length).toBeGreaterThanOrEqual(5);
    expect(functions.filter((arn) => !withDestination.has(arn))).toEqual([]);
  });

  it("end every function behind API Gateway before its integration gives up (29 s)", () => {
    const r = resolver();
    const behindApi = r
      .resources("AWS::ApiGatewayV2::Integration")
      .map((i) => String(r.resolve(i.stack, i.properties.IntegrationUri)));
    const timeouts = r
      .resources("AWS::Lambda::Function")
      .map((f) => ({
        arn: String(r.resolve(f.stack, { "Fn::GetAtt": [f.id, "Arn"] })),
        timeout: f.properties.Timeout,
      }))
      .filter((f) => behindApi.includes(f.arn));

    expect(timeouts.length).toBe(2);
    for (const { arn, timeout } of timeouts)
      expect({ arn, timeout: Number(timeout) < 29 }).toEqual({ arn, timeout: true });
  });

  it("let EventBridge Scheduler assume a role for this account's schedules only (aws:SourceAccount)", () => {
    const r = resolver();
    const schedulerRoles = r
      .resources("AWS::IAM::Role")
      .filter((role) =>
        JSON.stringify(role.properties.AssumeRolePolicyDocument).includes("scheduler.amazonaws.com"),
      );

    expect(schedulerRoles.length).toBeGreaterThanOrEqual(2);
    for (const role of schedulerRoles) {
      const trust = r.resolve(role.stack, role.properties.AssumeRolePolicyDocument) as {
        Statement: { Condition?: { StringEquals?: Record<string, string> } }[];
      };
      for (const statement of trust.Statement)
        expect({ role: role.id, source: statement.Condition?.StringEquals?.["aws:SourceAccount"] }).toEqual({
          role: role.id,
          source: ACCOUNT,
        });
    }
  });
});
