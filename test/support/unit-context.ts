import { Logger } from "@aws-lambda-powertools/logger";
import { ALL_CLIENT_CLASSES } from "../../packages/core/src/aws/all-clients";
import { createAwsClients } from "../../packages/core/src/aws/clients";
import type { RetryPolicy } from "../../packages/core/src/aws/retry";
import { type ConfigInput, parseConfig } from "../../packages/core/src/config/config";
import type { CoreContext } from "../../packages/core/src/context";
import type { EventPublisher } from "../../packages/core/src/events/publisher";
import type { MetricName, MetricsSink } from "../../packages/core/src/metrics";
import type { CleanupStore } from "../../packages/core/src/store/cleanup-runs/store";
import type { VendRequestRecord } from "../../packages/core/src/store/requests/record";
import { parseVendRequest, type VendRequest } from "../../packages/core/src/store/requests/request";
import type { VendState } from "../../packages/core/src/vending/state";
import type { WorkflowRunner } from "../../packages/core/src/workflow/runner";
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
} from "./memory-store";

/** A retry policy that never sleeps but records the delays it would have used. */
export function instantRetry(maxAttempts = 6): RetryPolicy & { delays: number[] } {
  const delays: number[] = [];
  return {
    maxAttempts,
    baseDelayMs: 100,
    maxDelayMs: 5000,
    random: () => 0.5,
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

export class RecordingPublisher implements EventPublisher {
  readonly events: { detailType: string; detail: object }[] = [];
  async publish(detailType: string, detail: object) {
    this.events.push({ detailType, detail });
  }
}

/** Keeps every metric core records, for tests to assert on. */
export class RecordingMetrics implements MetricsSink {
  readonly recorded: { name: string; unit: string; value: number; dimensions?: Record<string, string> }[] =
    [];
  add(name: MetricName, unit: "Count" | "Seconds", value: number, dimensions?: Record<string, string>) {
    this.recorded.push({ name, unit, value, ...(dimensions ? { dimensions } : {}) });
  }
  total(name: string): number {
    return this.recorded.filter((m) => m.name === name).reduce((n, m) => n + m.value, 0);
  }
}

export class FakeRunner implements WorkflowRunner {
  readonly started: { workflow: string; name: string; input: object }[] = [];
  readonly redriven: string[] = [];
  status: "RUNNING" | "SUCCEEDED" | "FAILED" = "FAILED";
  redrivable = false;
  async start(workflow: "vend-account" | "sandbox-cleanup", name: string, input: object) {
    this.started.push({ workflow, name, input });
    return { executionArn: `arn:aws:states:us-east-1:111111111111:execution:${workflow}:${name}` };
  }
  async describe() {
    return { status: this.status, redrivable: this.redrivable };
  }
  async redrive(arn: string) {
    this.redriven.push(arn);
  }
  readonly completed: { taskToken: string; output: object }[] = [];
  /** Tokens whose task no longer waits (timed out): completing them answers false. */
  readonly expiredTokens = new Set<string>();
  async completeTask(taskToken: string, output: object) {
    if (this.expiredTokens.has(taskToken)) return false;
    this.completed.push({ taskToken, output });
    return true;
  }
}

/** A core context whose clients are the real SDK classes (mock them with aws-sdk-client-mock). */
export function unitContext(config: ConfigInput = {}, now = new Date("2026-11-23T12:00:00Z")) {
  const retry = instantRetry();
  const store = new MemoryRequestStore();
  const runs = new MemoryCleanupStore();
  const fingerprints = new MemoryFingerprintStore();
  const createSlots = new MemorySemaphore();
  const creationWaits = new MemoryCreationWaits();
  const events = new RecordingPublisher();
  const workflows = new FakeRunner();
  const metrics = new RecordingMetrics();
  const clock = { now };
  const ctx: CoreContext = {
    clients: createAwsClients({
      region: "us-east-1",
      memberRoleName: "OrganizationAccountAccessRole",
      retryPolicy: retry,
      classes: ALL_CLIENT_CLASSES,
    }),
    config: parseConfig(config),
    store,
    runs,
    fingerprints,
    claims: new MemoryEventClaims(),
    reconciles: new MemoryReconcileJobStore(),
    baselines: new MemoryBaselineStore(),
    drift: new MemoryDriftStore(),
    closures: new MemoryClosureStore(),
    creationWaits,
    createSlots,
    logger: new Logger({ serviceName: "quartermaster-test", logLevel: "SILENT" }),
    metrics,
    clock: () => clock.now,
    retry,
    workflows,
    events,
    resources: {
      budgetTopicArn: "arn:aws:sns:us-east-1:111111111111:budget-alerts",
      itemsBucket: "qm-test-items",
    },
  };
  return {
    ctx,
    retry,
    store,
    runs,
    fingerprints,
    createSlots,
    creationWaits,
    events,
    workflows,
    clock,
    metrics,
  };
}

/** A valid vend request, with overrides, checked against the schema. */
export function vendRequest(overrides: Partial<VendRequest> = {}): VendRequest {
  return parseVendRequest(
    {
      name: "payments-dev",
      email: "aws+payments-dev@example.com",
      ou: "Workloads/Development",
      access: [{ group: "Admin", permissionSets: ["AdministratorAccess"] }],
      tags: { team: "payments" },
      ...overrides,
    },
    "Sandbox",
  );
}

/** A request record (PENDING, the default request, granting Admin AdministratorAccess), with overrides. */
export function vendRecord(overrides: Partial<VendRequestRecord> = {}): VendRequestRecord {
  return {
    requestId: `req-${Math.random().toString(36).slice(2)}`,
    status: "PENDING",
    request: vendRequest(),
    resolved: {
      ouId: "ou-abcd-11111111",
      ouPath: "Workloads/Development",
      instanceArn: "arn:aws:sso:::instance/ssoins-1",
      access: [
        {
          group: "Admin",
          groupId: "g-admin",
          permissionSets: [{ name: "AdministratorAccess", arn: "arn:ps-admin" }],
        },
      ],
    },
    payloadHash: "h",
    steps: {},
    attempts: [],
    createdAt: "2026-11-23T11:00:00.000Z",
    updatedAt: "2026-11-23T11:00:00.000Z",
    ...overrides,
  };
}

/** A workflow state for a stored request, with overrides. */
export function vendState(store: MemoryRequestStore, overrides: Partial<VendState> = {}): VendState {
  const record = vendRecord();
  store.records.set(record.requestId, record);
  return { requestId: record.requestId, request: record.request, resolved: record.resolved, ...overrides };
}

/** A RUNNING clean-up run, as StartRun records it before any account task runs. */
export async function recordedRun(
  runs: CleanupStore,
  runId: string,
  options: { dryRun?: boolean; trigger?: "api" | "schedule" | "closure"; startedAt?: string } = {},
) {
  return runs.createRun({
    runId,
    status: "RUNNING",
    dryRun: options.dryRun ?? false,
    trigger: options.trigger ?? "api",
    refused: [],
    accounts: [],
    attempts: 1,
    startedAt: options.startedAt ?? "2026-11-23T00:00:00Z",
  });
}
