import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { cleanRegion } from "./clean-account";

const cfn = mockClient(CloudFormationClient);

beforeEach(() => {
  cfn.reset();
});

describe("cleanRegion", () => {
  it("counts a nested stack's imports as its root's, so the root goes before the exporter", async () => {
    const { ctx } = unitContext({ cleanup: { regions: ["us-east-1"] } });
    const stacks = {
      "alpha-shared": { StackId: "id-shared", Outputs: [{ OutputKey: "V", ExportName: "vpc" }] },
      "zeta-app": { StackId: "id-app" },
      "zeta-app-Nested-1": { StackId: "id-nested", ParentId: "id-app", RootId: "id-app" },
    };
    const deleted: string[] = [];
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: Object.keys(stacks).map((StackName) => ({
        StackName,
        StackStatus: "CREATE_COMPLETE",
        CreationTime: new Date(),
      })),
    });
    cfn.on(DescribeStacksCommand).callsFake((input: { StackName: keyof typeof stacks }) => {
      if (deleted.includes(input.StackName))
        throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
          name: "ValidationError",
          $metadata: { httpStatusCode: 400 },
        });
      return {
        Stacks: [{ StackName: input.StackName, StackStatus: "CREATE_COMPLETE", ...stacks[input.StackName] }],
      };
    });
    cfn.on(GetTemplateCommand).callsFake((input: { StackName: string }) => ({
      TemplateBody: JSON.stringify(
        input.StackName === "zeta-app-Nested-1"
          ? { Resources: { T: { Properties: { X: { "Fn::ImportValue": "vpc" } } } } }
          : {},
      ),
    }));
    cfn.on(DeleteStackCommand).callsFake((input: { StackName: string }) => {
      deleted.push(input.StackName);
      return {};
    });

    const report = await cleanRegion(ctx, new CloudFormationClient({ region: "us-east-1" }), {
      region: "us-east-1",
      runId: "run-1",
      dryRun: false,
      deadline: Date.now() + 60_000,
    });

    expect(report.deleted).toEqual(["zeta-app", "alpha-shared"]);
    expect(deleted).toEqual(["zeta-app", "alpha-shared"]);
    expect(report.failed).toEqual([]);
  });
});
