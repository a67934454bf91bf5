import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { Logger } from "@aws-lambda-powertools/logger";
import { afterAll, beforeAll, inject } from "vitest";
import type { AnyClientPlugin } from "../../packages/core/src/aws/middleware";
import { type ConfigInput, parseConfig } from "../../packages/core/src/config/config";
import { createLocalControlPlane } from "../../packages/local/src/control-plane";
import { currentFunction } from "../../packages/local/src/function-scope";
import { createApiServer, listen } from "../../packages/local/src/http-server";
import { ensureTable } from "../../packages/local/src/seed";
import { TEST_REGION, TEST_TABLE } from "./aws-env";
import { emulatorOrg, IamEnforcer, iamPlugin, loadDeployedApp, type OrgInfo } from "./iam";

/** A unique suffix so tests sharing one emulator never collide. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

let enforcer: { iam: IamEnforcer; org: () => Promise<OrgInfo> } | undefined;

/** IAM for this process: the run's synthesised policies, evaluated with the emulator's organisation. */
export function iamEnforcer() {
  if (!enforcer) {
    const org = emulatorOrg(TEST_REGION);
    enforcer = { iam: new IamEnforcer(loadDeployedApp(inject("templatesDir")), org), org };
  }
  return enforcer;
}

/**
 * The control plane as local mode builds it, against the shared emulator, with short waits. Every AWS
 * call a handler makes, and every call to the local runner and bus, is evaluated against that
 * function's synthesised IAM policy (DESIGN rule 14): a call AWS would deny fails here too.
 */
export function testPlane(
  options: {
    faults?: string;
    config?: ConfigInput;
    tableName?: string;
    slackWebhookUrl?: string;
    slack?: { signingSecret?: string; botToken?: string; apiUrl?: string };
    plugins?: AnyClientPlugin[];
    logger?: Logger;
    creationMs?: number;
    creationFallbackSeconds?: number;
    creationEvents?: boolean;
  } = {},
) {
  const config = parseConfig({
    homeRegion: TEST_REGION,
    creation: { pollMinSeconds: 1, pollMaxSeconds: 2, deadlineMinutes: 5 },
    cleanup: { regions: ["us-east-1", "eu-west-1"] },
    ...options.config,
  });
  // Tests assert on outcomes; set QM_TEST_LOG_LEVEL=INFO to watch the control plane's logs.
  const logLevel = (process.env.QM_TEST_LOG_LEVEL ?? "SILENT") as "SILENT";
  return createLocalControlPlane({
    logger: options.logger ?? new Logger({ serviceName: "quartermaster-test", logLevel }),
    config,
    tableName: options.tableName ?? TEST_TABLE,
    budgetTopicArn: inject("budgetTopicArn"),
    slackWebhookUrl: options.slackWebhookUrl,
    slack: options.slack,
    delivery: {
      maxTries: 3,
      baseDelayMs: 5,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    },
    faults: options.faults,
    plugins: [iamPlugin(iamEnforcer().iam, iamEnforcer().org), ...(options.plugins ?? [])],
    authorize: async (action, resource) => {
      const fn = currentFunction();
      if (fn) await iamEnforcer().iam.authorize(fn, { action, resources: [resource] });
    },
    waitMs: 10,
    retryIntervalMs: 5,
    creationMs: options.creationMs,
    creationFallbackSeconds: options.creationFallbackSeconds,
    creationEvents: options.creationEvents,
  });
}

export type TestPlane = ReturnType<typeof testPlane>;

/** Serves the plane's API on a free loopback port. */
export async function serveApi(
  plane: TestPlane,
): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createApiServer(plane.apiHandler, plane.routeKeys);
  const url = await listen(server, 0);
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** JSON over HTTP, as a user's client sends it. */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on response fields one by one.
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/**
 * A test plane served over HTTP for one test file: listening before its tests, closed after them.
 * With `tableName`, the plane gets a table of its own (created here): its own CreateAccount slots,
 * so a file that holds them all for long (the load test) does not starve the other files.
 */
export function useApi(options: Parameters<typeof testPlane>[0] = {}) {
  const plane = testPlane(options);
  const api = { plane, url: "" };
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (options.tableName) await ensureTable(TEST_REGION, options.tableName);
    const served = await serveApi(plane);
    api.url = served.url;
    close = served.close;
  });
  afterAll(async () => {
    await close?.();
  });
  return api;
}
