/**
 * The nightly clean-up at organisation scale, by simulation: the real `sandbox-cleanup` definition in
 * the local runner (Step Functions' limits enforced), the real task handlers and core, on a simulated
 * clock, with AWS's answers played by aws-sdk-client-mock at the latencies AWS answers with. Nothing
 * waits for real: a Wait of 60 s, a deletion of 20 minutes, an API call of 150 ms pass on the clock.
 * What it measures is what the run would cost in AWS: transitions, invocations and their duration,
 * table requests, AWS calls; and whether any execution or state passes a limit.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
  ListStacksCommand,
  type StackStatus,
} from "@aws-sdk/client-cloudformation";
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import FakeTimers from "@sinonjs/fake-timers";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { ALL_CLIENT_CLASSES } from "../packages/core/src/aws/all-clients";
import { createAwsClients } from "../packages/core/src/aws/clients";
import { defaultRetryPolicy } from "../packages/core/src/aws/retry";
import {
  CLEANUP_TASK_STATES,
  CLEANUP_TASKS,
  type CleanupTask,
  sandboxCleanupDefinition,
} from "../packages/core/src/cleanup/definition";
import { parseConfig } from "../packages/core/src/config/config";
import type { CoreContext } from "../packages/core/src/context";
import type { EventPublisher } from "../packages/core/src/events/publisher";
import { readFanoutItems } from "../packages/core/src/fanout/items";
import { noMetrics } from "../packages/core/src/metrics";
import { setDirectoryTtl } from "../packages/core/src/org/cache";
import { localTaskArns } from "../packages/core/src/workflow/asl";
import { makeCleanupTaskHandler } from "../packages/functions/src/cleanup-task";
import { type LocalTaskHandler, LocalWorkflowRunner } from "../packages/local/src/local-runner";
import {
  MemoryBaselineStore,
  MemoryCleanupStore,
  MemoryClosureStore,
  MemoryCreationWaits,
  MemoryDriftStore,
  MemoryEventClaims,
  MemoryFingerprintStore,
  MemoryReconcileJobStore,
  MemoryRequestStore,
  MemorySemaphore,
} from "../test/support/memory-store";

/** The 17 regions enabled by default in every account (the clean-up's regions in the simulation). */
export const DEFAULT_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "sa-east-1",
];

/**
 * AWS's public prices (us-east-1), as published on 2026-12-01: Step Functions Standard per state
 * transition; Lambda per request and per GB-second (x86); DynamoDB on-demand per write and read
 * request unit (the prices since November 2024); S3 Standard per PUT and per GET.
 */
export const PRICES = {
  asOf: "2026-12-01",
  transition: 0.025 / 1000,
  lambdaRequest: 0.2 / 1_000_000,
  lambdaGbSecond: 0.0000166667,
  dynamoWrite: 0.625 / 1_000_000,
  dynamoRead: 0.125 / 1_000_000,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
} as const;

/** Latencies of AWS's answers, in simulated milliseconds (typical, measured from a Lambda in-region). */
export const LATENCY_MS = {
  organizations: 120,
  sts: 250,
  ec2: 150,
  listStacks: 150,
  describeStacks: 100,
  deleteStack: 200,
  s3: 40,
};

/** The Lambda memory every function is given (stacks/index.ts). */
export const LAMBDA_GB = 0.5;

/** The organisation the simulation plays: how many sandbox accounts, and what their stacks do. */
export interface SimulatedOrg {
  accounts: number;
  regions: string[];
  /** Per account (by index), in parts per thousand: with 5 stacks, with a 20-minute deletion, unreachable. */
  withStacksPerMille: number;
  slowPerMille: number;
  unreachablePerMille: number;
}

/** The organisation: 90% empty, 9% with 5 stacks, 1% with a 20-minute deletion, 0.2% unreachable. */
export function standardOrg(accounts: number): SimulatedOrg {
  return {
    accounts,
    regions: DEFAULT_REGIONS,
    withStacksPerMille: 90,
    slowPerMille: 10,
    unreachablePerMille: 2,
  };
}

type Kind = "empty" | "stacks" | "slow" | "unreachable";

/**
 * Each account's kind, in exactly the organisation's proportions (rounded), spread through it by a
 * seeded shuffle: the same organisation every run.
 */
function kindsOf(org: SimulatedOrg): Kind[] {
  const count = (perMille: number) => Math.round((org.accounts * perMille) / 1000);
  const kinds: Kind[] = [
    ...Array<Kind>(count(org.unreachablePerMille)).fill("unreachable"),
    ...Array<Kind>(count(org.slowPerMille)).fill("slow"),
    ...Array<Kind>(count(org.withStacksPerMille)).fill("stacks"),
  ];
  kinds.push(...Array<Kind>(Math.max(0, org.accounts - kinds.length)).fill("empty"));
  let seed = 20261206;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j] as Kind, kinds[i] as Kind];
  }
  return kinds;
}

/** A stack as the simulated CloudFormation keeps it: deleted `deleteMs` after DeleteStack. */
interface SimStack {
  name: string;
  deleteMs: number;
  deletingSince?: number;
}

export interface SimulationResult {
  accounts: number;
  dryRun: boolean;
  status: string;
  /** Simulated minutes from the schedule's start to FinishRun's end. */
  wallMinutes: number;
  parentHistory: number;
  largestChildHistory: number;
  children: number;
  largestStateBytes: number;
  transitions: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  awsCalls: number;
  awsCallsPerAccount: number;
  assumeRoles: number;
  tableReads: number;
  tableWrites: number;
  s3Puts: number;
  s3Gets: number;
  summary: Record<string, number>;
  costUsd: { transitions: number; lambda: number; table: number; s3: number; total: number };
  /** Real seconds the simulation took to run. */
  realSeconds: number;
}

/**
 * The context a simulation's handlers run with: the real clients (answered by mocks), stores in
 * memory, and the simulation's runner (made after the context, hence read on each use).
 */
export function simulatedContext(parts: {
  clients: CoreContext["clients"];
  config: CoreContext["config"];
  retry: CoreContext["retry"];
  events: EventPublisher;
  store?: MemoryRequestStore;
  runs?: MemoryCleanupStore;
  drift?: MemoryDriftStore;
  workflows: () => LocalWorkflowRunner | undefined;
}): CoreContext {
  return {
    clients: parts.clients,
    config: parts.config,
    store: parts.store ?? new MemoryRequestStore(),
    runs: parts.runs ?? new MemoryCleanupStore(),
    fingerprints: new MemoryFingerprintStore(),
    claims: new MemoryEventClaims(),
    closures: new MemoryClosureStore(),
    reconciles: new MemoryReconcileJobStore(),
    baselines: new MemoryBaselineStore(),
    drift: parts.drift ?? new MemoryDriftStore(),
    creationWaits: new MemoryCreationWaits(),
    createSlots: new MemorySemaphore(),
    logger: new Logger({ serviceName: "quartermaster-sim", logLevel: "SILENT" }),
    metrics: noMetrics,
    clock: () => new Date(),
    retry: parts.retry,
    get workflows() {
      const runner = parts.workflows();
      if (!runner) throw new Error("The simulation's runner is not ready");
      return runner;
    },
    events: parts.events,
    resources: { itemsBucket: "sim-items" },
  };
}

/** Accounts' ids: 12 digits, in order. */
const accountId = (index: number) => String(400000000000 + index);

/**
 * Runs one clean-up of a simulated organisation through the real definition and handlers, on a
 * simulated clock, and returns what it cost and whether it stayed within Step Functions' limits.
 */
export async function simulateCleanup(
  org: SimulatedOrg,
  options: { dryRun: boolean; maxConcurrency?: number },
): Promise<SimulationResult> {
  const realStart = performance.now();
  const clock = FakeTimers.install({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
    // Timers made before the simulation (the SDK's own) are cleared natively.
    shouldClearNativeTimers: true,
    now: Date.parse("2026-12-06T00:00:00Z"),
    loopLimit: 10_000_000,
  });
  const mocks = {
    organizations: mockClient(OrganizationsClient),
    sts: mockClient(STSClient),
    ec2: mockClient(EC2Client),
    cloudFormation: mockClient(CloudFormationClient),
    s3: mockClient(S3Client),
  };
  try {
    const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const kinds = kindsOf(org);
    const accounts = kinds.map((kind, i) => ({ id: accountId(i), name: `sandbox-${i}`, kind }));
    const byId = new Map(accounts.map((a) => [a.id, a]));
    // Each account-region's stacks: 5 in the first region for "stacks" and "slow" accounts (one of them slow).
    const stacks = new Map<string, SimStack[]>();
    for (const [i, account] of accounts.entries()) {
      if (account.kind !== "stacks" && account.kind !== "slow") continue;
      stacks.set(
        `${account.id}/${org.regions[0]}`,
        Array.from({ length: 5 }, (_, s) => ({
          name: `app-${s}`,
          // Most deletions take 1-4 minutes; a slow account's first stack takes 20.
          deleteMs:
            account.kind === "slow" && s === 0 ? 20 * 60_000 : (60 + ((i * 37 + s * 53) % 180)) * 1000,
        })),
      );
    }
    const calls = { total: 0, assumeRoles: 0, s3Puts: 0, s3Gets: 0 };
    const answer = <T>(ms: number, value: () => T) => {
      calls.total += 1;
      return after(ms).then(value);
    };

    // Organizations: one root, one Sandbox OU holding every account, 20 accounts a page (AWS's page size).
    mocks.organizations.on(DescribeOrganizationCommand).callsFake(() =>
      answer(LATENCY_MS.organizations, () => ({
        Organization: { Id: "o-sim", MasterAccountId: "111111111111" },
      })),
    );
    mocks.organizations
      .on(ListRootsCommand)
      .callsFake(() => answer(LATENCY_MS.organizations, () => ({ Roots: [{ Id: "r-sim", Name: "Root" }] })));
    mocks.organizations.on(ListOrganizationalUnitsForParentCommand).callsFake((input: { ParentId: string }) =>
      answer(LATENCY_MS.organizations, () => ({
        OrganizationalUnits: input.ParentId === "r-sim" ? [{ Id: "ou-sim-sandbox", Name: "Sandbox" }] : [],
      })),
    );
    mocks.organizations
      .on(ListAccountsForParentCommand)
      .callsFake((input: { ParentId: string; NextToken?: string }) =>
        answer(LATENCY_MS.organizations, () => {
          if (input.ParentId !== "ou-sim-sandbox") return { Accounts: [] };
          const start = Number(input.NextToken ?? 0);
          const page = accounts.slice(start, start + 20);
          return {
            Accounts: page.map((a) => ({ Id: a.id, Name: a.name, Status: "ACTIVE", State: "ACTIVE" })),
            NextToken: start + 20 < accounts.length ? String(start + 20) : undefined,
          };
        }),
      );
    mocks.sts
      .on(GetCallerIdentityCommand)
      .callsFake(() => answer(LATENCY_MS.sts, () => ({ Account: "222222222222" })));
    mocks.sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => {
      calls.assumeRoles += 1;
      const id = input.RoleArn.split(":")[4] as string;
      return answer(LATENCY_MS.sts, () => {
        if (byId.get(id)?.kind === "unreachable")
          throw Object.assign(
            new Error(`User is not authorized to perform: sts:AssumeRole on ${input.RoleArn}`),
            {
              name: "AccessDenied",
              $fault: "client",
              $metadata: { httpStatusCode: 403 },
            },
          );
        return {
          Credentials: {
            AccessKeyId: `AK${id}`,
            SecretAccessKey: "secret",
            SessionToken: "token",
            Expiration: new Date(Date.now() + 3_600_000),
          },
        };
      });
    });
    /**
     * Which account-region a member client's call is for, from its credentials and region. The client
     * is taken at once: aws-sdk-client-mock's `getClient` names the latest caller, which changes while
     * other calls run.
     */
    const keyOf = async (getClient: unknown) => {
      const client = (
        getClient as () => {
          config: { credentials: () => Promise<{ accessKeyId: string }>; region: () => Promise<string> };
        }
      )();
      const [credentials, region] = await Promise.all([client.config.credentials(), client.config.region()]);
      return `${credentials.accessKeyId.slice(2)}/${region}`;
    };
    mocks.ec2.on(DescribeRegionsCommand).callsFake(() =>
      answer(LATENCY_MS.ec2, () => ({
        Regions: org.regions.map((RegionName) => ({ RegionName, OptInStatus: "opt-in-not-required" })),
      })),
    );
    /** The live stacks of an account-region now: a deletion under way shows DELETE_IN_PROGRESS until it ends. */
    const live = (key: string) => {
      const list = stacks.get(key) ?? [];
      const now = Date.now();
      const alive = list.filter((s) => s.deletingSince === undefined || now - s.deletingSince < s.deleteMs);
      stacks.set(key, alive);
      return alive;
    };
    mocks.cloudFormation.on(ListStacksCommand).callsFake(async (_input, getClient) => {
      const key = await keyOf(getClient);
      return answer(LATENCY_MS.listStacks, () => ({
        StackSummaries: live(key).map((s) => ({
          StackName: s.name,
          StackStatus: (s.deletingSince === undefined
            ? "CREATE_COMPLETE"
            : "DELETE_IN_PROGRESS") as StackStatus,
          CreationTime: new Date(0),
        })),
      }));
    });
    mocks.cloudFormation
      .on(DescribeStacksCommand)
      .callsFake(async (input: { StackName: string }, getClient) => {
        const key = await keyOf(getClient);
        return answer(LATENCY_MS.describeStacks, () => {
          const stack = live(key).find((s) => s.name === input.StackName);
          if (!stack)
            throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
              name: "ValidationError",
              $fault: "client",
              $metadata: { httpStatusCode: 400 },
            });
          return {
            Stacks: [
              {
                StackName: stack.name,
                StackId: `arn:aws:cloudformation:sim:${key}:stack/${stack.name}/1`,
                StackStatus: (stack.deletingSince === undefined
                  ? "CREATE_COMPLETE"
                  : "DELETE_IN_PROGRESS") as StackStatus,
                CreationTime: new Date(0),
                Tags: [],
                Outputs: [],
              },
            ],
          };
        });
      });
    mocks.cloudFormation.on(DeleteStackCommand).callsFake(async (input: { StackName: string }, getClient) => {
      const key = await keyOf(getClient);
      return answer(LATENCY_MS.deleteStack, () => {
        const stack = live(key).find((s) => s.name === input.StackName);
        if (stack && stack.deletingSince === undefined) stack.deletingSince = Date.now();
        return {};
      });
    });
    const objects = new Map<string, string>();
    mocks.s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: string }) => {
      calls.s3Puts += 1;
      return answer(LATENCY_MS.s3, () => {
        objects.set(`${input.Bucket}/${input.Key}`, input.Body);
        return {};
      });
    });
    mocks.s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      calls.s3Gets += 1;
      return answer(LATENCY_MS.s3, () => ({
        Body: { transformToString: async () => objects.get(`${input.Bucket}/${input.Key}`) ?? "[]" },
      }));
    });

    const config = parseConfig({
      sandboxOuPaths: ["Sandbox"],
      cleanup: { regions: org.regions, maxConcurrency: options.maxConcurrency ?? 200 },
    });
    const retry = { ...defaultRetryPolicy, sleep: after };
    const clients = createAwsClients({
      region: "us-east-1",
      memberRoleName: config.memberRoleName,
      retryPolicy: retry,
      classes: ALL_CLIENT_CLASSES,
    });
    setDirectoryTtl(clients, 60_000);
    const runs = new MemoryCleanupStore();
    const published: unknown[] = [];
    const events: EventPublisher = {
      async publish(detailType: string, detail: object) {
        published.push({ detailType, detail });
      },
    };
    const lambda = { invocations: 0, gbSeconds: 0 };
    let runner: LocalWorkflowRunner | undefined;
    const ctx = simulatedContext({ clients, config, retry, events, runs, workflows: () => runner });
    // Each task is one Lambda invocation, as deployed: counted, and its simulated duration billed.
    const tasks = Object.fromEntries(
      Object.entries(CLEANUP_TASK_STATES).map(([state, task]) => {
        const handler = makeCleanupTaskHandler(task as CleanupTask, () => ctx);
        return [
          state,
          (async (event: never, context: Context) => {
            const started = Date.now();
            lambda.invocations += 1;
            try {
              return await handler(event, context);
            } finally {
              // Lambda bills each invocation's duration, rounded up to the millisecond, at its memory.
              lambda.gbSeconds += (Math.max(1, Date.now() - started) / 1000) * LAMBDA_GB;
            }
          }) as unknown as LocalTaskHandler,
        ];
      }),
    );
    runner = new LocalWorkflowRunner({
      retryIntervalMs: 1000,
      readItems: (source) => readFanoutItems(ctx, { bucket: source.Bucket, key: source.Key, count: 0 }),
      workflows: {
        "sandbox-cleanup": {
          definition: sandboxCleanupDefinition(localTaskArns(CLEANUP_TASKS, "us-east-1"), {
            maxConcurrency: config.cleanup.maxConcurrency,
          }),
          tasks,
        },
      },
    });
    const started = Date.now();
    const { executionArn } = await runner.start("sandbox-cleanup", "nightly", { dryRun: options.dryRun });
    let ended = false;
    const done = runner.wait(executionArn).finally(() => {
      ended = true;
    });
    // The clock moves only when nothing else can: to the next timer (a Wait, an answer, a retry).
    while (!ended) {
      if (clock.countTimers() > 0) await clock.nextAsync();
      else await new Promise((resolve) => setImmediate(resolve));
    }
    const status = await done;
    const wallMs = Date.now() - started;
    const history = runner.history(executionArn);
    const page = await runs.getRunPage("nightly", { limit: 0 });
    const tableReads = runs.requests.reads;
    const tableWrites = runs.requests.writes;
    const transitions = history?.transitions ?? 0;
    const cost = {
      transitions: transitions * PRICES.transition,
      lambda: lambda.invocations * PRICES.lambdaRequest + lambda.gbSeconds * PRICES.lambdaGbSecond,
      table: tableWrites * PRICES.dynamoWrite + tableReads * PRICES.dynamoRead,
      s3: calls.s3Puts * PRICES.s3Put + calls.s3Gets * PRICES.s3Get,
    };
    return {
      accounts: org.accounts,
      dryRun: options.dryRun,
      status,
      wallMinutes: wallMs / 60_000,
      parentHistory: history?.events ?? 0,
      largestChildHistory: history?.largestChild ?? 0,
      children: history?.children ?? 0,
      largestStateBytes: history?.largestState ?? 0,
      transitions,
      lambdaInvocations: lambda.invocations,
      lambdaGbSeconds: lambda.gbSeconds,
      awsCalls: calls.total,
      awsCallsPerAccount: calls.total / org.accounts,
      assumeRoles: calls.assumeRoles,
      tableReads,
      tableWrites,
      s3Puts: calls.s3Puts,
      s3Gets: calls.s3Gets,
      summary: { ...(page?.summary ?? {}) },
      costUsd: { ...cost, total: cost.transitions + cost.lambda + cost.table + cost.s3 },
      realSeconds: (performance.now() - realStart) / 1000,
    };
  } finally {
    // reset() drops the calls the mocks recorded (sinon keeps every call's arguments), then restore().
    for (const mock of Object.values(mocks)) {
      mock.reset();
      mock.restore();
    }
    clock.uninstall();
  }
}
