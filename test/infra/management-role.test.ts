import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";

const TEMPLATE = "deploy/management-role.yaml";
/** The services Quartermaster calls with the management account's credentials (aws/clients.ts). */
const MANAGEMENT_SERVICES = ["organizations", "sso", "identitystore", "budgets", "account"];

type Statement = { Action: string | string[]; Resource: unknown };

type Resource = {
  Type: string;
  Properties: { PolicyDocument?: { Statement: Statement[] }; Tags?: { Key: string; Value: string }[] };
};

/** Every resource of every synthesised template. */
function resources(): Resource[] {
  const dir = inject("templatesDir");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".template.json"))
    .flatMap((file) => {
      const template = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
        Resources: Record<string, Resource>;
      };
      return Object.values(template.Resources);
    });
}

/** Every action of every function policy in the synthesised templates. */
function functionActions(): Set<string> {
  const actions = new Set<string>();
  for (const resource of resources()) {
    if (resource.Type !== "AWS::IAM::Policy") continue;
    for (const statement of resource.Properties.PolicyDocument?.Statement ?? [])
      for (const action of [statement.Action].flat()) actions.add(action);
  }
  return actions;
}

describe("the management role template (delegated-admin deployments)", () => {
  const text = readFileSync(TEMPLATE, "utf8");
  const granted = [...text.matchAll(/^\s+- ([a-z]+:[A-Za-z]+)$/gm)].map((m) => m[1] ?? "");

  it("grants exactly the management APIs the functions call, nothing more", () => {
    const called = [...functionActions()].filter((a) => MANAGEMENT_SERVICES.includes(a.split(":")[0] ?? ""));

    expect(called.length).toBeGreaterThan(20);
    expect([...granted].sort()).toEqual([...new Set(called)].sort());
  });

  it("lets the clean-up chain to member roles, and trusts the deployment's function roles by their tags", () => {
    expect(text).toMatch(
      /Action: sts:AssumeRole\n\s+Resource: !Sub arn:\$\{AWS::Partition\}:iam::\*:role\/\$\{MemberRoleName\}/,
    );
    expect(text).toMatch(/AWS: !Sub arn:\$\{AWS::Partition\}:iam::\$\{DeploymentAccountId\}:root/);
    expect(text).toMatch(/aws:PrincipalTag\/sst:app: quartermaster/);
    expect(text).toMatch(/aws:PrincipalTag\/sst:stage: !Ref Stage/);
    const roles = resources().filter((r) => r.Type === "AWS::IAM::Role");
    expect(roles.length).toBeGreaterThan(10);
    for (const role of roles)
      expect(role.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: "sst:app", Value: "quartermaster" },
          { Key: "sst:stage", Value: "test" },
        ]),
      );
  });

  it("passes cfn-lint", () => {
    const lint = spawnSync("cfn-lint", ["--", TEMPLATE], { encoding: "utf8" });

    if (lint.error) throw new Error(`cfn-lint could not run: ${lint.error.message}`);
    expect({ status: lint.status, output: `${lint.stdout}${lint.stderr}`.trim() }).toEqual({
      status: 0,
      output: "",
    });
  });
});
