import { spawnSync } from "node:child_process";
import {
  BudgetsClient,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
} from "@aws-sdk/client-budgets";
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { ALL_CLIENT_CLASSES } from "../packages/core/src/aws/all-clients";
import { createAwsClients } from "../packages/core/src/aws/clients";
import { defaultRetryPolicy } from "../packages/core/src/aws/retry";
import { budgetSpec } from "../packages/core/src/budgets/spec";
import { parseConfig } from "../packages/core/src/config/config";
import {
  DRIFT_CHECK_CONCURRENCY,
  DRIFT_TASK_STATES,
  DRIFT_TASKS,
  driftDefinition,
} from "../packages/core/src/drift/definition";
import type { EventPublisher } from "../packages/core/src/events/publisher";
import { readFanoutItems } from "../packages/core/src/fanout/items";
import { setDirectoryTtl } from "../packages/core/src/org/cache";
import { localTaskArns } from "../packages/core/src/workflow/asl";
import { makeDriftTaskHandler } from "../packages/functions/src/drift-task";
import { type LocalTaskHandler, LocalWorkflowRunner } from "../packages/local/src/local-runner";
import { MemoryDriftStore, MemoryRequestStore } from "../test/support/memory-store";
import { vendRecord } from "../test/support/unit-context";
import { LAMBDA_GB, LATENCY_MS, PRICES, simulatedContext } from "./simulation";

export interface DriftSimulationResult {
  accounts: number;
  /** Accounts the simulation drifted by hand (every tenth: one tag removed). */
  driftedByHand: number;
  status: string;
  summary: { checked: number; drifted: number; excluded: number };
  parentHistory: number;
  largestChildHistory: number;
  children: number;
  largestStateBytes: number;
  transitions: number;
  lambdaInvocations: number;
  /** Every AWS call the check made, by `Service.Operation`. */
  calls: Record<string, number>;
  /** AWS calls per account compared: the child's reads, and the start's listing shared out. */
  callsPerAccount: number;
  childCallsPerAccount: number;
  /** Minutes at DRIFT_CHECK_CONCURRENCY, from the calls' typical latencies (not measured: derived). */
  estimatedMinutes: number;
  costUsd: { transitions: number; lambda: number; table: number; s3: number; total: number };
  realSeconds: number;
}

const accountId = (i: number) => String(500000000000 + i);
const OU = "ou-sim-11111111";
const INSTANCE = "arn:aws:sso:::instance/ssoins-sim";

/**
 * One drift check of an organisation of vended accounts, through the real `drift` definition and
 * handlers on the local interpreter (its Step Functions limits enforced), AWS answered by mocks. Each
 * account was vended with one permission set; every tenth has lost a tag.
 */
export async function simulateDrift(accounts: number): Promise<DriftSimulationResult> {
  const realStart = performance.now();
  const mocks = {
    organizations: mockClient(OrganizationsClient),
    budgets: mockClient(BudgetsClient),
    sso: mockClient(SSOAdminClient),
    s3: mockClient(S3Client),
  };
  const calls: Record<string, number> = {};
  const count = <T>(op: string, value: () => T) => {
    calls[op] = (calls[op] ?? 0) + 1;
    return Promise.resolve().then(value);
  };
  try {
    const config = parseConfig({});
    const store = new MemoryRequestStore();
    const ids = Array.from({ length: accounts }, (_, i) => accountId(i));
    for (const [i, id] of ids.entries())
      store.records.set(
        `req-${i}`,
        vendRecord({
          requestId: `req-${i}`,
          status: "SUCCEEDED",
          accountId: id,
          resolved: { ...vendRecord().resolved, ouId: OU, ouPath: "Workloads/Sim", instanceArn: INSTANCE },
          createdAt: new Date(Date.parse("2026-01-01T00:00:00Z") + i * 1000).toISOString(),
        }),
      );
    const recordOf = (id: string) => store.records.get(`req-${Number(id) - 500000000000}`);
    const o = mocks.organizations;
    o.on(DescribeOrganizationCommand).callsFake(() =>
      count("Organizations.DescribeOrganization", () => ({
        Organization: { MasterAccountId: "111111111111" },
      })),
    );
    o.on(ListAccountsCommand).callsFake((input: { NextToken?: string }) =>
      count("Organizations.ListAccounts", () => {
        const start = Number(input.NextToken ?? 0);
        return {
          Accounts: ids.slice(start, start + 20).map((Id) => ({ Id, State: "ACTIVE" as const })),
          NextToken: start + 20 < ids.length ? String(start + 20) : undefined,
        };
      }),
    );
    o.on(ListParentsCommand).callsFake(() =>
      count("Organizations.ListParents", () => ({
        Parents: [{ Id: OU, Type: "ORGANIZATIONAL_UNIT" as const }],
      })),
    );
    o.on(ListTagsForResourceCommand).callsFake((input: { ResourceId: string }) =>
      count("Organizations.ListTagsForResource", () => {
        const record = recordOf(input.ResourceId);
        const n = Number(input.ResourceId) - 500000000000;
        const tags = { ...(record?.request.tags ?? {}), "quartermaster:request-id": record?.requestId ?? "" };
        // Every tenth account has lost its request-id tag.
        if (n % 10 === 0) delete (tags as Record<string, string>)["quartermaster:request-id"];
        return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
      }),
    );
    const specOf = (name: string) => {
      const id = name.slice(name.lastIndexOf("-") + 1);
      const record = recordOf(id);
      return budgetSpec(
        { accountId: id, accountName: record?.request.name ?? "", budget: record?.request.budget },
        config,
        undefined,
      );
    };
    mocks.budgets.on(DescribeBudgetCommand).callsFake((input: { BudgetName: string }) =>
      count("Budgets.DescribeBudget", () => ({
        Budget: {
          BudgetName: input.BudgetName,
          BudgetLimit: { Amount: String(specOf(input.BudgetName).monthlyLimitUsd), Unit: "USD" },
          TimeUnit: "MONTHLY" as const,
          BudgetType: "COST" as const,
        },
      })),
    );
    mocks.budgets.on(DescribeNotificationsForBudgetCommand).callsFake((input: { BudgetName: string }) =>
      count("Budgets.DescribeNotificationsForBudget", () => ({
        Notifications: specOf(input.BudgetName).notifications.map((n) => ({
          NotificationType: n.type,
          ComparisonOperator: "GREATER_THAN" as const,
          Threshold: n.threshold,
        })),
      })),
    );
    mocks.sso.on(ListInstancesCommand).callsFake(() =>
      count("SSOAdmin.ListInstances", () => ({
        Instances: [{ InstanceArn: INSTANCE, IdentityStoreId: "d-sim" }],
      })),
    );
    mocks.sso
      .on(ListAccountAssignmentsCommand)
      .callsFake((input: { AccountId: string; PermissionSetArn: string }) =>
        count("SSOAdmin.ListAccountAssignments", () => ({
          AccountAssignments: [
            {
              AccountId: input.AccountId,
              PermissionSetArn: input.PermissionSetArn,
              PrincipalType: "GROUP" as const,
              PrincipalId: "g-admin",
            },
          ],
        })),
      );
    const objects = new Map<string, string>();
    mocks.s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: string }) =>
      count("S3.PutObject", () => {
        objects.set(`${input.Bucket}/${input.Key}`, input.Body);
        return {};
      }),
    );
    mocks.s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) =>
      count("S3.GetObject", () => ({
        Body: { transformToString: async () => objects.get(`${input.Bucket}/${input.Key}`) ?? "[]" },
      })),
    );

    const retry = { ...defaultRetryPolicy };
    const clients = createAwsClients({
      region: "us-east-1",
      memberRoleName: config.memberRoleName,
      retryPolicy: retry,
      classes: ALL_CLIENT_CLASSES,
    });
    setDirectoryTtl(clients, 60_000);
    const published: unknown[] = [];
    const events: EventPublisher = {
      async publish(detailType: string, detail: object) {
        published.push({ detailType, detail });
      },
    };
    const drift = new MemoryDriftStore();
    let runner: LocalWorkflowRunner | undefined;
    const ctx = simulatedContext({ clients, config, retry, events, store, drift, workflows: () => runner });
    let invocations = 0;
    const tasks = Object.fromEntries(
      Object.entries(DRIFT_TASK_STATES).map(([state, task]) => {
        const handler = makeDriftTaskHandler(task, () => ctx);
        return [
          state,
          (async (event: never, context: Context) => {
            invocations += 1;
            return handler(event, context);
          }) as unknown as LocalTaskHandler,
        ];
      }),
    );
    runner = new LocalWorkflowRunner({
      retryIntervalMs: 10,
      readItems: (source) => readFanoutItems(ctx, { bucket: source.Bucket, key: source.Key, count: 0 }),
      workflows: { drift: { definition: driftDefinition(localTaskArns(DRIFT_TASKS, "us-east-1")), tasks } },
    });
    const { executionArn } = await runner.start("drift", "drc-sim", { action: "check" });
    const status = await runner.wait(executionArn);
    const history = runner.history(executionArn);
    const check = await drift.getCheck("drc-sim");
    const childOps = [
      "Organizations.ListParents",
      "Organizations.ListTagsForResource",
      "Budgets.DescribeBudget",
      "Budgets.DescribeNotificationsForBudget",
      "SSOAdmin.ListAccountAssignments",
    ];
    const awsCalls = Object.entries(calls)
      .filter(([op]) => !op.startsWith("S3."))
      .reduce((n, [, c]) => n + c, 0);
    const childCalls = childOps.reduce((n, op) => n + (calls[op] ?? 0), 0);
    // A child's calls one after another, plus a warm invocation's own overhead (about 50 ms).
    const childSeconds = (4 * LATENCY_MS.organizations + 50 + 50) / 1000 + 0.05;
    const transitions = history?.transitions ?? 0;
    const cost = {
      transitions: transitions * PRICES.transition,
      lambda:
        invocations * PRICES.lambdaRequest + invocations * childSeconds * LAMBDA_GB * PRICES.lambdaGbSecond,
      // Each account's result is one transaction of a put and two deletes: 6 write units; the start's
      // and the end's reads (500 requests a query, the counts) are a few hundred read units.
      table: accounts * 6 * PRICES.dynamoWrite + (accounts / 500 + 3 * (accounts / 1000)) * PRICES.dynamoRead,
      s3: (calls["S3.PutObject"] ?? 0) * PRICES.s3Put + (calls["S3.GetObject"] ?? 0) * PRICES.s3Get,
    };
    return {
      accounts,
      driftedByHand: Math.ceil(accounts / 10),
      status,
      summary: check?.summary ?? { checked: 0, drifted: 0, excluded: 0 },
      parentHistory: history?.events ?? 0,
      largestChildHistory: history?.largestChild ?? 0,
      children: history?.children ?? 0,
      largestStateBytes: history?.largestState ?? 0,
      transitions,
      lambdaInvocations: invocations,
      calls,
      callsPerAccount: awsCalls / accounts,
      childCallsPerAccount: childCalls / accounts,
      estimatedMinutes: (accounts * childSeconds) / DRIFT_CHECK_CONCURRENCY / 60,
      costUsd: { ...cost, total: cost.transitions + cost.lambda + cost.table + cost.s3 },
      realSeconds: (performance.now() - realStart) / 1000,
    };
  } finally {
    for (const mock of Object.values(mocks)) {
      mock.reset();
      mock.restore();
    }
  }
}

/** One drift check in a child process (`bench/drift-one.ts`): a heap of its own, as the clean-up's. */
export function benchDriftScale(accounts: number): DriftSimulationResult {
  const child = spawnSync(
    process.execPath,
    ["--max-old-space-size=6144", "--import", "tsx", "bench/drift-one.ts", String(accounts)],
    { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
  );
  if (child.status !== 0)
    throw new Error(
      `The drift simulation of ${accounts} accounts failed (${child.status}): ${child.stderr.slice(-2000)}`,
    );
  return JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as DriftSimulationResult;
}
