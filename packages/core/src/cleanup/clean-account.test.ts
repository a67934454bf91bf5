import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListImportsCommand,
  ListStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { recordedRun, unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { cleanAccount } from "./clean-account";

const cfn = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);

beforeEach(() => {
  cfn.reset();
  sts.reset();
  sts.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: "a",
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(Date.now() + 3_600_000),
    },
  });
});

const ACCOUNT = { accountId: "222233334444", name: "W" };

/** A clean-up context with a recorded run, as the state machine has when its tasks run. */
async function withRun(config: Parameters<typeof unitContext>[0], dryRun = false) {
  const harness = unitContext(config);
  await recordedRun(harness.runs, "run-1", { dryRun, trigger: "api", startedAt: "2026-11-23T00:00:00Z" });
  return harness;
}

/** One region's report, after the region loop (StartRegion, then CheckRegion until done) has run. */
async function cleanOneRegion(ctx: Awaited<ReturnType<typeof withRun>>["ctx"], dryRun = false) {
  const report = await cleanAccount(ctx, ACCOUNT, { runId: "run-1", dryRun });
  const region = report.regions[0];
  if (!region) throw new Error("no region report");
  return region;
}

const notFound = (name: string) =>
  Object.assign(new Error(`Stack with id ${name} does not exist`), {
    name: "ValidationError",
    $metadata: { httpStatusCode: 400 },
  });

/**
 * A region whose stacks are in the given statuses. DeleteStack ends a stack, except one in
 * DELETE_FAILED, which only a FORCE_DELETE_STACK ends; GetTemplate of `unreadable` is denied.
 */
function playRegion(statuses: Record<string, string>) {
  const deleted: string[] = [];
  cfn.on(ListStacksCommand).callsFake(() => ({
    StackSummaries: Object.entries(statuses)
      .filter(([name]) => !deleted.includes(name))
      .map(([StackName, StackStatus]) => ({ StackName, StackStatus, CreationTime: new Date() })),
  }));
  cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    if (deleted.includes(input.StackName) || !(input.StackName in statuses)) throw notFound(input.StackName);
    // `rolled` exports a value: who imports it is read from the templates (no ListImports here).
    const Outputs = input.StackName === "rolled" ? [{ OutputKey: "Id", ExportName: "rolled-id" }] : [];
    return { Stacks: [{ StackName: input.StackName, StackStatus: statuses[input.StackName], Outputs }] };
  });
  cfn.on(GetTemplateCommand).callsFake((input: { StackName: string }) => {
    if (input.StackName === "unreadable")
      throw Object.assign(new Error("no"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    return { TemplateBody: "{}" };
  });
  cfn.on(DeleteStackCommand).callsFake((input: { StackName: string; DeletionMode?: string }) => {
    if (statuses[input.StackName] !== "DELETE_FAILED" || input.DeletionMode === "FORCE_DELETE_STACK")
      deleted.push(input.StackName);
    return {};
  });
  cfn.on(DescribeStackResourcesCommand).resolves({
    StackResources: [
      {
        LogicalResourceId: "Bucket",
        ResourceType: "AWS::S3::Bucket",
        ResourceStatus: "DELETE_FAILED",
        ResourceStatusReason: "The bucket is not empty",
        Timestamp: new Date(),
      },
    ],
  });
  return deleted;
}

describe("the region loop and stacks stuck by design", () => {
  it("deletes REVIEW_IN_PROGRESS and ROLLBACK_COMPLETE stacks at once, reports DELETE_FAILED with its resources, and reads on past an unreadable stack", async () => {
    const { ctx } = await withRun({ cleanup: { regions: ["us-east-1"] } });
    const deleted = playRegion({
      review: "REVIEW_IN_PROGRESS",
      rolled: "ROLLBACK_COMPLETE",
      stuck: "DELETE_FAILED",
      rollbackFailed: "UPDATE_ROLLBACK_FAILED",
      unreadable: "CREATE_COMPLETE",
    });

    const report = await cleanOneRegion(ctx);

    expect(report.deleted.sort()).toEqual(["review", "rollbackFailed", "rolled"]);
    expect(deleted.sort()).toEqual(["review", "rollbackFailed", "rolled"]);
    expect(report.failed).toEqual([
      { stack: "unreadable", reason: expect.stringMatching(/^could not be read: /) },
      { stack: "stuck", reason: "DELETE_FAILED: Bucket: The bucket is not empty" },
    ]);
    // The deletions under way are read together (ListStacks), not one DescribeStacks each: only the
    // first read of the region described its five stacks.
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(5);
  });

  it("force-deletes a DELETE_FAILED stack when configured to", async () => {
    const { ctx } = await withRun({ cleanup: { regions: ["us-east-1"], allowForceDelete: true } });
    playRegion({ stuck: "DELETE_FAILED" });

    const report = await cleanOneRegion(ctx);

    expect(report.deleted).toEqual(["stuck"]);
    const modes = cfn.commandCalls(DeleteStackCommand).map((c) => c.args[0].input.DeletionMode);
    expect(modes).toEqual([undefined, "FORCE_DELETE_STACK"]);
  });
});

describe("cleanAccount", () => {
  it("reports a region that fails there, and still cleans the account's other regions", async () => {
    const { ctx } = await withRun({ cleanup: { regions: ["us-east-1", "eu-west-1"] } }, true);
    cfn.on(ListStacksCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === "eu-west-1")
        throw Object.assign(new Error("denied in eu-west-1"), {
          name: "AccessDenied",
          $metadata: { httpStatusCode: 403 },
        });
      return { StackSummaries: [] };
    });

    const report = await cleanAccount(
      ctx,
      { accountId: "222233334444", name: "W" },
      { runId: "run-1", dryRun: true },
    );

    expect(report.error).toBeUndefined();
    expect(report.regions.map((r) => [r.region, r.error ?? "ok"])).toEqual([
      ["us-east-1", "ok"],
      ["eu-west-1", expect.stringMatching(/denied in eu-west-1/)],
    ]);
  });
});

describe("the region loop", () => {
  it("counts a nested stack's imports as its root's, so the root goes before the exporter", async () => {
    const { ctx } = await withRun({ cleanup: { regions: ["us-east-1"] } });
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

    const report = await cleanOneRegion(ctx);

    expect(report.deleted).toEqual(["zeta-app", "alpha-shared"]);
    expect(deleted).toEqual(["zeta-app", "alpha-shared"]);
    expect(report.failed).toEqual([]);
  });
});

describe("imports", () => {
  it("takes ListImports as authoritative: an import the template hides (Fn::Sub) still orders the importer first", async () => {
    const { ctx } = await withRun({ cleanup: { regions: ["us-east-1"] } });
    const deleted = playRegion({
      "a-shared": "CREATE_COMPLETE",
      "b-app": "CREATE_COMPLETE",
      "c-other": "CREATE_COMPLETE",
    });
    cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
      if (deleted.includes(input.StackName)) throw notFound(input.StackName);
      return {
        Stacks: [
          {
            StackName: input.StackName,
            StackStatus: "CREATE_COMPLETE",
            Outputs: input.StackName === "a-shared" ? [{ OutputKey: "Vpc", ExportName: "vpc" }] : [],
          },
        ],
      };
    });
    cfn.on(ListImportsCommand, { ExportName: "vpc" }).resolves({ Imports: ["b-app"] });

    const report = await cleanOneRegion(ctx);

    expect(cfn.commandCalls(ListImportsCommand)).toHaveLength(1);
    // ListImports says who imports what: no template is read.
    expect(cfn.commandCalls(GetTemplateCommand)).toHaveLength(0);
    expect(deleted.indexOf("b-app")).toBeLessThan(deleted.indexOf("a-shared"));
    expect(report.deleted.indexOf("b-app")).toBeLessThan(report.deleted.indexOf("a-shared"));
  });

  it("reads an export no stack imports (AWS's ValidationError) as no importer", async () => {
    const { ctx } = await withRun({ cleanup: { regions: ["us-east-1"] } });
    const deleted = playRegion({ "a-shared": "CREATE_COMPLETE" });
    cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
      if (deleted.includes(input.StackName)) throw notFound(input.StackName);
      return {
        Stacks: [
          {
            StackName: input.StackName,
            StackStatus: "CREATE_COMPLETE",
            Outputs: [{ OutputKey: "V", ExportName: "vpc" }],
          },
        ],
      };
    });
    cfn.on(ListImportsCommand).rejects(
      Object.assign(new Error("Export 'vpc' is not imported by any stack."), {
        name: "ValidationError",
        $fault: "client",
      }),
    );

    const report = await cleanOneRegion(ctx);

    expect(report.deleted).toEqual(["a-shared"]);
    expect(report.failed).toEqual([]);
  });
});
