import { Match, Template } from "aws-cdk-lib/assertions";
import { App, getStack } from "sst/constructs";
import { initProject } from "sst/project.js";
import { beforeAll, describe, expect, it } from "vitest";
import { Api } from "../../stacks/Api";
import { quartermaster } from "../../stacks/index";
import { Storage } from "../../stacks/Storage";
import { Vending } from "../../stacks/Vending";

let templates: { storage: Template; vending: Template; api: Template };

beforeAll(async () => {
  await initProject({ stage: "test" });
  const app = new App({ mode: "deploy", stage: "test", name: "quartermaster", region: "us-east-1" });
  quartermaster(app);
  await app.finish();
  templates = {
    storage: Template.fromStack(getStack(Storage)),
    vending: Template.fromStack(getStack(Vending)),
    api: Template.fromStack(getStack(Api)),
  };
}, 300_000);

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
    for (const state of [
      "CreateAccount",
      "CheckAccountCreation",
      "PlaceAccount",
      "GrantAccess",
      "CheckGrants",
      "TagAccount",
    ]) {
      expect(definition).toContain(`\\"${state}\\":{\\"Type\\":\\"Task\\"`);
    }
    expect(definition).toMatch(/VendcreateAccount[A-F0-9]+/);
  });

  it("uses Node.js 22 for every function", () => {
    const functions = Object.values(templates.vending.findResources("AWS::Lambda::Function"));
    expect(functions.length).toBeGreaterThanOrEqual(8);
    for (const fn of functions) expect(fn.Properties.Runtime).toBe("nodejs22.x");
  });

  it.each([
    [
      "VendcreateAccount",
      [
        "dynamodb:UpdateItem",
        "organizations:CreateAccount",
        "organizations:ListAccounts",
        "organizations:ListCreateAccountStatus",
        "organizations:TagResource",
      ],
    ],
    ["VendcheckAccountCreation", ["dynamodb:UpdateItem", "organizations:DescribeCreateAccountStatus"]],
    ["VendplaceAccount", ["dynamodb:UpdateItem", "organizations:ListParents", "organizations:MoveAccount"]],
    ["VendgrantAccess", ["dynamodb:UpdateItem", "sso:CreateAccountAssignment", "sso:ListAccountAssignments"]],
    ["VendcheckGrants", ["dynamodb:UpdateItem", "sso:DescribeAccountAssignmentCreationStatus"]],
    [
      "VendtagAccount",
      ["dynamodb:UpdateItem", "organizations:ListTagsForResource", "organizations:TagResource"],
    ],
    ["VendrecordSuccess", ["dynamodb:GetItem", "dynamodb:UpdateItem", "events:PutEvents"]],
  ])("grants %s only the actions its step calls", (prefix, expected) => {
    expect(actionsOf(templates.vending, prefix)).toEqual(expected);
  });

  it("lets the state machine invoke only its task functions", () => {
    const actions = actionsOf(templates.vending, "VendAccountRole");
    expect(actions).toEqual(["lambda:InvokeFunction"]);
  });
});

describe("Api stack", () => {
  it("serves every route of the contract with AWS_IAM authorisation", () => {
    const routes = templates.api.findResources("AWS::ApiGatewayV2::Route");
    const keys = Object.values(routes)
      .map((r) => r.Properties.RouteKey)
      .sort();
    expect(keys).toEqual(
      [
        "GET /accounts/requests",
        "GET /accounts/requests/{requestId}",
        "GET /health",
        "POST /accounts",
        "POST /accounts/requests/{requestId}/retry",
      ].sort(),
    );
    for (const route of Object.values(routes)) expect(route.Properties.AuthorizationType).toBe("AWS_IAM");
  });

  it("lets the API start executions of the vend state machine only, and read the directory", () => {
    const actions = new Set(
      Object.values(templates.api.findResources("AWS::IAM::Policy")).flatMap((p) =>
        p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) =>
          [s.Action].flat(),
        ),
      ),
    );
    expect(actions).toContain("states:StartExecution");
    expect(actions).toContain("states:RedriveExecution");
    expect(actions).not.toContain("organizations:CreateAccount");
    expect([...actions].some((a) => a.endsWith(":*"))).toBe(false);
  });
});
