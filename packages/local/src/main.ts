import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseConfigJson } from "@quartermaster/core/config/config";
import { assertWebhookUrl } from "@quartermaster/core/notify/deliver";
import { ROUTES } from "@quartermaster/functions/api";
import { SLACK_ROUTE_KEYS } from "@quartermaster/functions/slack";
import { createLocalControlPlane } from "./control-plane";
import { assertPortFree, startEmulator, useEmulatorEnv } from "./emulator";
import { createApiServer, listen } from "./http-server";
import { resumeInterruptedRequests } from "./resume";
import { scheduleDaily } from "./schedule";
import { seedReferenceOrg } from "./seed";

const LOCAL_TABLE = "quartermaster-local";

/** Every route local mode serves: the API's and Slack's (the same keys the deployed API has). */
function routeKeysOf(): string[] {
  return [...Object.keys(ROUTES), ...SLACK_ROUTE_KEYS];
}

// The SDK warns on Node 20 in every process; local mode runs on whatever Node the machine has.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** `npm start`: emulator, seed, API and in-process workflows, until SIGINT or SIGTERM. */
/** QM_LOCAL_CREATION_MS: how long an account creation takes locally (AWS takes minutes; the emulator none). */
function localCreationMs(): number {
  const value = Number(process.env.QM_LOCAL_CREATION_MS ?? 0);
  if (!Number.isFinite(value) || value < 0 || value > 600_000)
    throw new Error(
      `QM_LOCAL_CREATION_MS must be a number of milliseconds from 0 to 600000, got "${process.env.QM_LOCAL_CREATION_MS}"`,
    );
  return value;
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`PORT must be a TCP port, got "${process.env.PORT}"`);
  await assertPortFree(port);
  // A malformed webhook URL is refused now, not at the first message; the error never quotes it.
  const slackWebhookUrl = process.env.SLACK_WEBHOOK_URL || undefined;
  if (slackWebhookUrl) assertWebhookUrl(slackWebhookUrl);

  const region = process.env.AWS_REGION ?? "us-east-1";
  const persist = (process.env.QM_LOCAL_PERSIST ?? "on") !== "off";
  const stateDir = resolve(process.env.QM_LOCAL_STATE_DIR || ".qm-local");
  const stateFile = join(stateDir, "emulator-state.pickle");
  if (persist) mkdirSync(stateDir, { recursive: true });
  const resumed = persist && existsSync(stateFile);
  const emulator = await startEmulator({ stateFile: persist ? stateFile : undefined });
  useEmulatorEnv(emulator.url, region);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    await emulator.stop();
    process.exit(code);
  };
  const server = createApiServer(async (event, context) => plane.apiHandler(event, context), routeKeysOf());
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));
  process.once("SIGHUP", () => void stop(0));
  // `npm start` killed on its own (SIGKILL) leaves this process orphaned: it is re-parented,
  // which is the signal to stop as on SIGTERM, so nothing is left holding the ports.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
  }, 500).unref();

  let plane: ReturnType<typeof createLocalControlPlane>;
  try {
    const config = parseConfigJson(
      process.env.QM_CONFIG ??
        JSON.stringify({
          homeRegion: region,
          cleanup: { regions: [region === "eu-west-1" ? "us-east-1" : region, "eu-west-1"] },
        }),
    );
    const seeded = await seedReferenceOrg({ region, tableName: LOCAL_TABLE });
    plane = createLocalControlPlane({
      config,
      tableName: LOCAL_TABLE,
      budgetTopicArn: seeded.budgetTopicArn,
      faults: process.env.QM_FAULTS,
      waitMs: Number(process.env.QM_LOCAL_WAIT_MS ?? 500),
      creationMs: localCreationMs(),
      slackWebhookUrl,
      slack: {
        signingSecret: process.env.SLACK_SIGNING_SECRET || undefined,
        botToken: process.env.SLACK_BOT_TOKEN || undefined,
        apiUrl: process.env.SLACK_API_URL || undefined,
      },
      print: (text) => process.stdout.write(`${text}\n`),
    });
    // What AWS runs on a schedule (approval expiry, lease warnings and ends), in-process every QM_LOCAL_LEASE_CHECK_MS.
    const checkMs = Number(process.env.QM_LOCAL_LEASE_CHECK_MS ?? 5000);
    if (!Number.isFinite(checkMs) || checkMs < 100)
      throw new Error(
        `QM_LOCAL_LEASE_CHECK_MS must be a number of milliseconds >= 100, got "${process.env.QM_LOCAL_LEASE_CHECK_MS}"`,
      );
    let housekeeping: Promise<unknown> = Promise.resolve();
    setInterval(() => {
      housekeeping = housekeeping
        .then(() => plane.housekeeping())
        .catch((error: unknown) =>
          process.stderr.write(`quartermaster: housekeeping failed: ${(error as Error).message}\n`),
        );
    }, checkMs).unref();
    if ((process.env.QM_LOCAL_CLEANUP_SCHEDULE ?? "on") !== "off") {
      // The nightly clean-up, in-process: the same workflow the Scheduler starts in AWS.
      scheduleDaily(
        config.cleanup.schedule,
        config.cleanup.timezone,
        async () => {
          await plane.runner.start("sandbox-cleanup", `scheduled-${Date.now().toString(36)}`, {
            dryRun: false,
          });
        },
        (error) =>
          process.stderr.write(
            `quartermaster: scheduled clean-up failed to start: ${(error as Error).message}\n`,
          ),
      );
    }
    // The daily drift check, in-process as the Scheduler runs it in AWS: it reads and reports, and changes nothing.
    scheduleDaily(
      config.drift.schedule,
      config.cleanup.timezone,
      async () => {
        await plane.runner.start("drift", `drc-scheduled-${Date.now().toString(36)}`, { action: "check" });
      },
      (error) =>
        process.stderr.write(
          `quartermaster: scheduled drift check failed to start: ${(error as Error).message}\n`,
        ),
    );
    const resumedRequests = resumed ? await resumeInterruptedRequests(plane.ctx) : 0;
    process.stdout.write(
      persist
        ? resumed
          ? `state: resumed from ${stateDir} (${resumedRequests} interrupted request(s) and closure(s) restarted)\n`
          : `state: started fresh; kept in ${stateDir} across restarts (QM_LOCAL_PERSIST=off to disable)\n`
        : "state: started fresh (QM_LOCAL_PERSIST=off: nothing is kept)\n",
    );
    const url = await listen(server, port);
    process.stdout.write(`ready api=${url} aws=${emulator.url}\n`);
  } catch (error) {
    process.stderr.write(`quartermaster: could not start: ${(error as Error).message}\n`);
    await emulator.stop();
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`quartermaster: ${(error as Error).message}\n`);
  process.exit(1);
});
