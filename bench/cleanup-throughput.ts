import { Logger } from "@aws-lambda-powertools/logger";
import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { parseConfig } from "../packages/core/src/config/config";
import { createLocalControlPlane } from "../packages/local/src/control-plane";
import { topicTemplate } from "../packages/local/src/reference-org";
import { ensureOuPath, ensureStack, memberCloudFormation } from "../packages/local/src/seed";

const REGIONS = ["us-east-1", "eu-west-1"];

/** Accounts in their own sandbox OU, each with `stacks` deletable stacks in every region. */
async function seedSandbox(label: string, accounts: number, stacks: number): Promise<string> {
  const org = new OrganizationsClient({ region: "us-east-1" });
  const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const ouPath = `BenchSandbox-${label}`;
  const ouId = await ensureOuPath(org, root, ouPath);
  for (let i = 0; i < accounts; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, accounts - i) }, async (_, j) => {
        const name = `${ouPath}-${i + j}`;
        const created = await org.send(
          new CreateAccountCommand({ AccountName: name, Email: `aws+${name}@example.com` }),
        );
        const status = await org.send(
          new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus?.Id }),
        );
        const id = status.CreateAccountStatus?.AccountId as string;
        await org.send(
          new MoveAccountCommand({ AccountId: id, SourceParentId: root, DestinationParentId: ouId }),
        );
        for (const region of REGIONS) {
          const cfn = await memberCloudFormation(region, id);
          for (let s = 0; s < stacks; s++)
            await ensureStack(cfn, { name: `bench-${s}`, template: topicTemplate() });
        }
      }),
    );
  }
  return ouPath;
}

/**
 * The clean-up engine's throughput: `accounts` sandbox accounts x 2 regions x `stacks` stacks, cleaned by
 * the real sandbox-cleanup definition and handlers, at concurrency 10 and 1. Wall time, and AWS calls
 * per account. Each WaitForDeletions lasts `waitMs` (a deletion's time in AWS, scaled down): the emulator
 * deletes at once and serves one call at a time, so without it the run measures the emulator, not the engine. Each run gets accounts of its own (the first run would leave the second nothing to do).
 */
export async function benchCleanup(options: {
  tableName: string;
  budgetTopicArn: string;
  accounts: number;
  stacks: number;
  /** How long each WaitForDeletions lasts: deletions in the emulator are instant, in AWS they take seconds to minutes. */
  waitMs: number;
}) {
  const results = [];
  for (const concurrency of [10, 1]) {
    const ouPath = await seedSandbox(
      `c${concurrency}-${Date.now().toString(36)}`,
      options.accounts,
      options.stacks,
    );
    const plane = createLocalControlPlane({
      config: parseConfig({
        sandboxOuPaths: [ouPath],
        cleanup: { regions: REGIONS, maxConcurrency: concurrency },
      }),
      tableName: options.tableName,
      budgetTopicArn: options.budgetTopicArn,
      waitMs: options.waitMs,
      retryIntervalMs: 10,
      logger: new Logger({ serviceName: "bench", logLevel: "SILENT" }),
      print: () => undefined,
    });
    const t0 = Date.now();
    const { executionArn } = await plane.runner.start("sandbox-cleanup", `bench-${Date.now().toString(36)}`, {
      dryRun: false,
    });
    const status = await plane.runner.wait(executionArn);
    const ms = Date.now() - t0;
    const aws = Object.entries(plane.counter.snapshot())
      .filter(([op]) => !op.startsWith("DynamoDB."))
      .reduce((n, [, c]) => n + c, 0);
    results.push({
      concurrency,
      status,
      accounts: options.accounts,
      stacksPerRegion: options.stacks,
      waitMs: options.waitMs,
      wallSeconds: Math.round(ms / 100) / 10,
      awsCallsPerAccount: Math.round((aws / options.accounts) * 10) / 10,
    });
  }
  const [fast, slow] = results;
  return {
    runs: results,
    speedup: fast && slow ? Math.round((slow.wallSeconds / fast.wallSeconds) * 10) / 10 : 0,
  };
}
