import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { recordedRun, unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { checkRegion, planAccount, startRegion } from "./clean-account";

const cfn = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const TWENTY_MINUTES = 20 * 60_000;

beforeEach(() => {
  cfn.reset();
  sts.reset();
  sts.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: "a",
      SecretAccessKey: "s",
      SessionToken: "t",
      Expiration: new Date(Date.UTC(2030, 0)),
    },
  });
});

/**
 * One account-region with `count` stacks whose deletions each take twenty minutes of the simulated
 * clock: DescribeStacks answers DELETE_IN_PROGRESS until then, as CloudFormation does for a
 * CloudFront distribution or an RDS instance. `app-0` imports what `shared` exports.
 */
function playSlowRegion(clock: { now: Date }, count: number) {
  const names = ["shared", ...Array.from({ length: count - 1 }, (_, i) => `app-${i}`)];
  const deleting = new Map<string, number>();
  const gone = (name: string) => {
    const since = deleting.get(name);
    return since !== undefined && clock.now.getTime() - since >= TWENTY_MINUTES;
  };
  cfn.on(ListStacksCommand).callsFake(() => ({
    StackSummaries: names
      .filter((n) => !gone(n))
      .map((StackName) => ({
        StackName,
        StackStatus: deleting.has(StackName) ? "DELETE_IN_PROGRESS" : "CREATE_COMPLETE",
        CreationTime: new Date(),
      })),
  }));
  cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    if (gone(input.StackName))
      throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
        name: "ValidationError",
      });
    return {
      Stacks: [
        {
          StackName: input.StackName,
          StackStatus: deleting.has(input.StackName) ? "DELETE_IN_PROGRESS" : "CREATE_COMPLETE",
          CreationTime: new Date(),
          Outputs: input.StackName === "shared" ? [{ OutputKey: "Vpc", ExportName: "vpc" }] : [],
        },
      ],
    };
  });
  cfn.on(GetTemplateCommand).callsFake((input: { StackName: string }) => ({
    TemplateBody: JSON.stringify(
      input.StackName === "app-0"
        ? { Resources: { T: { Properties: { V: { "Fn::ImportValue": "vpc" } } } } }
        : {},
    ),
  }));
  cfn.on(DeleteStackCommand).callsFake((input: { StackName: string }) => {
    if (!deleting.has(input.StackName)) deleting.set(input.StackName, clock.now.getTime());
    return {};
  });
  return { names, deleting };
}

describe("a slow account-region", () => {
  it("completes 40 stacks whose deletions take 20 minutes, and no task invocation runs more than seconds of simulated time", async () => {
    const { ctx, clock, runs, retry } = unitContext({
      cleanup: { regions: ["us-east-1"], deadlineMinutes: 60 },
    });
    // Every wait of the tasks (backoff) moves the simulated clock, as the Wait state between tasks does.
    retry.sleep = async (ms) => {
      clock.now = new Date(clock.now.getTime() + ms);
    };
    await recordedRun(runs, "run-slow", {
      dryRun: false,
      trigger: "schedule",
      startedAt: clock.now.toISOString(),
    });
    const aws = playSlowRegion(clock, 40);
    const account = { accountId: "222233334444", name: "Slow" };
    const input = { runId: "run-slow", dryRun: false, account, region: "us-east-1" };
    const started = clock.now.getTime();
    const invocations: number[] = [];
    const timed = async <T>(task: () => Promise<T>) => {
      const before = clock.now.getTime();
      const result = await task();
      invocations.push(clock.now.getTime() - before);
      return result;
    };

    await timed(() => planAccount(ctx, { runId: "run-slow", account }));
    let step = await timed(() => startRegion(ctx, input));
    const halfway = await runs.getRun("run-slow");
    while (!step.done) {
      // The state machine's Wait state.
      clock.now = new Date(clock.now.getTime() + step.waitSeconds * 1000);
      step = await timed(() => checkRegion(ctx, input));
    }

    const report = (await runs.getRun("run-slow"))?.accounts[0]?.regions[0];
    expect(report?.deleted.sort()).toEqual([...aws.names].sort());
    expect(report?.failed).toEqual([]);
    expect(report?.inProgress).toBeUndefined();
    // The report was there, with what was under way, before anything had finished.
    expect(halfway?.accounts[0]?.regions[0]?.inProgress).toHaveLength(40);
    // The exporter went only after its importer was gone: two rounds of twenty minutes.
    expect((aws.deleting.get("shared") ?? 0) - started).toBeGreaterThanOrEqual(TWENTY_MINUTES);
    expect(clock.now.getTime() - started).toBeLessThan(2 * TWENTY_MINUTES + 5 * 60_000);
    expect(Math.max(...invocations)).toBeLessThanOrEqual(5_000);
    expect(invocations.length).toBeLessThan(100);
  });

  it("fails what is still deleting at the deadline, naming it, and ends the region", async () => {
    const { ctx, clock, runs } = unitContext({ cleanup: { regions: ["us-east-1"], deadlineMinutes: 10 } });
    await recordedRun(runs, "run-late", {
      dryRun: false,
      trigger: "schedule",
      startedAt: clock.now.toISOString(),
    });
    playSlowRegion(clock, 3);
    const account = { accountId: "222233334444", name: "Slow" };
    const input = { runId: "run-late", dryRun: false, account, region: "us-east-1" };

    await planAccount(ctx, { runId: "run-late", account });
    let step = await startRegion(ctx, input);
    while (!step.done) {
      clock.now = new Date(clock.now.getTime() + step.waitSeconds * 1000);
      step = await checkRegion(ctx, input);
    }

    const report = (await runs.getRun("run-late"))?.accounts[0]?.regions[0];
    expect(report?.deleted).toEqual([]);
    expect(report?.failed.map((f) => [f.stack, f.reason])).toEqual([
      ["app-0", expect.stringMatching(/^still deleting: the 10-minute deadline passed/)],
      ["app-1", expect.stringMatching(/^still deleting/)],
      ["shared", expect.stringMatching(/^not started: the 10-minute deadline passed/)],
    ]);
  });
});
