import { Logger } from "@aws-lambda-powertools/logger";
import { ALL_CLIENT_CLASSES } from "@quartermaster/core/aws/all-clients";
import { FaultInjector, faultPlugin, parseFaults } from "@quartermaster/core/aws/faults";
import { type AnyClientPlugin, CallCounter, callCounterPlugin } from "@quartermaster/core/aws/middleware";
import { defaultRetryPolicy, type RetryPolicy } from "@quartermaster/core/aws/retry";
import {
  BASELINE_TASK_STATES,
  BASELINE_TASKS,
  baselineDefinition,
} from "@quartermaster/core/baseline/definition";
import {
  budgetReconcileDefinition,
  RECONCILE_TASK_STATES,
  RECONCILE_TASKS,
} from "@quartermaster/core/budgets/definition";
import {
  CLEANUP_TASK_STATES,
  CLEANUP_TASKS,
  CLEANUP_WAIT_STATES,
  type CleanupTask,
  sandboxCleanupDefinition,
} from "@quartermaster/core/cleanup/definition";
import {
  accountClosureDefinition,
  CLOSURE_TASK_STATES,
  CLOSURE_TASKS,
  CLOSURE_WAIT_STATES,
} from "@quartermaster/core/closures/definition";
import type { Config } from "@quartermaster/core/config/config";
import type { CoreContext } from "@quartermaster/core/context";
import { LOCAL_USER_HEADER } from "@quartermaster/core/contract";
import {
  DRIFT_TASK_STATES,
  DRIFT_TASKS,
  DRIFT_WAIT_STATES,
  driftDefinition,
} from "@quartermaster/core/drift/definition";
import type { EventPublisher } from "@quartermaster/core/events/publisher";
import { readFanoutItems } from "@quartermaster/core/fanout/items";
import type { DeliveryOptions } from "@quartermaster/core/notify/deliver";
import { createCoreContext } from "@quartermaster/core/runtime";
import {
  stateOf,
  VEND_TASK_STATES,
  VEND_WAIT_STATES,
  vendAccountDefinition,
} from "@quartermaster/core/vending/definition";
import { SLACK_WORK_REQUESTED } from "@quartermaster/core/vending/slack";
import { VEND_STAGE_NAMES } from "@quartermaster/core/vending/stages";
import { localTaskArns } from "@quartermaster/core/workflow/asl";
import { EXECUTION_STATUS_CHANGE } from "@quartermaster/core/workflow/execution-events";
import type { WorkflowRunner } from "@quartermaster/core/workflow/runner";
import { type CallerEmail, makeApiHandler, ROUTES } from "@quartermaster/functions/api";
import { makeBaselineTaskHandler } from "@quartermaster/functions/baseline-task";
import { makeCleanupTaskHandler } from "@quartermaster/functions/cleanup-task";
import { makeClosureTaskHandler } from "@quartermaster/functions/closure-task";
import { makeCreationEventsHandler } from "@quartermaster/functions/creation-events";
import { makeDriftTaskHandler } from "@quartermaster/functions/drift-task";
import { makeExecutionMonitorHandler } from "@quartermaster/functions/execution-monitor";
import { makeHousekeepingHandler } from "@quartermaster/functions/housekeeping";
import { lambdaContextFor } from "@quartermaster/functions/lambda-context";
import { makeNotifierHandler } from "@quartermaster/functions/notifier";
import { makeReconcileTaskHandler } from "@quartermaster/functions/reconcile";
import { makeSlackWorker, SLACK_ROUTE_KEYS, slackRoutes } from "@quartermaster/functions/slack";
import { makeVendTaskHandler } from "@quartermaster/functions/vend-task";
import { asynchronousCreations } from "./creations";
import { type AuthorizeLocalCall, asFunction } from "./function-scope";
import { identityCenterPlugin } from "./identity-center";
import { LocalEventBus } from "./local-events";
import { type LocalTaskHandler, LocalWorkflowRunner } from "./local-runner";
import { emulatorEmailTaken, LOCAL_ITEMS_BUCKET } from "./seed";

export interface LocalControlPlaneOptions {
  config: Config;
  tableName: string;
  budgetTopicArn?: string;
  /** The fan-out engine's items bucket (default: the one `ensureTable` creates). */
  itemsBucket?: string;
  /** QM_FAULTS specification; applies to the control plane's calls, never the seed. */
  faults?: string;
  /** Milliseconds each Wait state lasts locally. */
  waitMs?: number;
  /**
   * Milliseconds an account creation takes here (AWS takes minutes; moto none): DescribeCreateAccountStatus
   * answers IN_PROGRESS that long, then CreateAccountResult is published, as in AWS. Default 0.
   */
  creationMs?: number;
  /** TimeoutSeconds of the creation wait's callback task here (the fallback check; tests shorten it). */
  creationFallbackSeconds?: number;
  /** False plays a lost CreateAccountResult: the event is published but reaches no handler. */
  creationEvents?: boolean;
  retryIntervalMs?: number;
  retry?: RetryPolicy;
  logger?: Logger;
  /** Slack incoming webhook; without it, messages are printed. */
  slackWebhookUrl?: string;
  print?: (text: string) => void;
  delivery?: DeliveryOptions;
  /** More SDK plugins after the counter and the faults (tests use them to steer the emulator's answers). */
  plugins?: AnyClientPlugin[];
  /**
   * Called with each call to a local stand-in for an AWS service (the workflow runner for Step Functions,
   * the bus for EventBridge) as the AWS action it stands for, in the calling function's scope; it throws
   * to refuse the call (the tests evaluate IAM with it).
   */
  authorize?: AuthorizeLocalCall;
  /** The Slack app (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL); without a secret, Slack routes are 401. */
  slack?: { signingSecret?: string; botToken?: string; apiUrl?: string };
}

/** Local mode's caller: the email in X-Qm-Local-User (API.md), when it looks like one. */
export const localCallerEmail: CallerEmail = async (_ctx, event) => {
  const value = event.headers?.[LOCAL_USER_HEADER]?.trim();
  return value && value.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(value) ? value : undefined;
};

/** Local mode serves the API's routes and Slack's from one server; in AWS they are two functions. */
function apiAndSlack<E extends { routeKey?: string }, C, R>(handler: (event: E, context: C) => R) {
  const api = asFunction("api", handler);
  const slack = asFunction("slack", handler);
  return (event: E, context: C): R =>
    SLACK_ROUTE_KEYS.includes((event.routeKey ?? "") as never) ? slack(event, context) : api(event, context);
}

/** The workflow runner, each call first authorised as the Step Functions action it stands for. */
function guardedRunner(runner: LocalWorkflowRunner, authorize: AuthorizeLocalCall): WorkflowRunner {
  return {
    start: async (workflow, name, input) => {
      await authorize("states:StartExecution", runner.stateMachineArn(workflow));
      return runner.start(workflow, name, input);
    },
    describe: async (executionArn) => {
      await authorize("states:DescribeExecution", executionArn);
      return runner.describe(executionArn);
    },
    redrive: async (executionArn) => {
      await authorize("states:RedriveExecution", executionArn);
      return runner.redrive(executionArn);
    },
    completeTask: async (taskToken, output) => {
      // A task token names no state machine: IAM authorises SendTaskSuccess on `*` only.
      await authorize("states:SendTaskSuccess", "*");
      return runner.completeTask(taskToken, output);
    },
  };
}

/** The project's bus, each publish first authorised as `events:PutEvents` on it. */
function guardedBus(bus: LocalEventBus, region: string, authorize: AuthorizeLocalCall): EventPublisher {
  return {
    publish: async (detailType, detail) => {
      await authorize("events:PutEvents", `arn:aws:events:${region}:000000000000:event-bus/local`);
      return bus.publish(detailType, detail);
    },
  };
}

/** The whole control plane in one process: real handlers and definitions, in-process runner and bus. */
export function createLocalControlPlane(options: LocalControlPlaneOptions) {
  const logger = options.logger ?? new Logger({ serviceName: "quartermaster", logLevel: "WARN" });
  const counter = new CallCounter();
  const faults = new FaultInjector(parseFaults(options.faults));
  const events = new LocalEventBus(logger);
  let ctx: CoreContext | undefined;
  const source = () => {
    if (!ctx) throw new Error("The local control plane is not initialised");
    return ctx;
  };
  const region = options.config.homeRegion;
  const vendTasks = Object.fromEntries(
    Object.entries(VEND_TASK_STATES).map(([state, stage]) => [
      state,
      asFunction(`vend-task:${stage}`, makeVendTaskHandler(stage, source)) as unknown as LocalTaskHandler,
    ]),
  );
  const cleanupTasks = Object.fromEntries(
    Object.entries(CLEANUP_TASK_STATES).map(([state, task]) => [
      state,
      asFunction(
        `cleanup-task:${task}`,
        makeCleanupTaskHandler(task as CleanupTask, source),
      ) as unknown as LocalTaskHandler,
    ]),
  );
  const reconcileTasks = Object.fromEntries(
    Object.entries(RECONCILE_TASK_STATES).map(([state, task]) => [
      state,
      asFunction(`reconcile:${task}`, makeReconcileTaskHandler(task, source)) as unknown as LocalTaskHandler,
    ]),
  );
  const baselineTasks = Object.fromEntries(
    Object.entries(BASELINE_TASK_STATES).map(([state, task]) => [
      state,
      asFunction(
        `baseline-task:${task}`,
        makeBaselineTaskHandler(task, source),
      ) as unknown as LocalTaskHandler,
    ]),
  );
  const driftTasks = Object.fromEntries(
    Object.entries(DRIFT_TASK_STATES).map(([state, task]) => [
      state,
      asFunction(`drift-task:${task}`, makeDriftTaskHandler(task, source)) as unknown as LocalTaskHandler,
    ]),
  );
  const closureTasks = Object.fromEntries(
    Object.entries(CLOSURE_TASK_STATES).map(([state, task]) => [
      state,
      asFunction(`closure-task:${task}`, makeClosureTaskHandler(task, source)) as unknown as LocalTaskHandler,
    ]),
  );
  const waitMs = options.waitMs ?? 200;
  const retryMs = options.retryIntervalMs ?? 50;
  const runner = new LocalWorkflowRunner({
    region,
    logger,
    // As in AWS, a failed execution is an `aws.states` event: the monitor and the notifier receive it.
    onFailure: (change) => events.publishFrom("aws.states", EXECUTION_STATUS_CHANGE, change),
    retryIntervalMs: retryMs,
    // A Distributed Map's ItemReader, as Step Functions runs it: the S3 object the map names, read
    // with the state machine's own role (never in the scope of the function that started the execution).
    readItems: (item, workflow) =>
      asFunction(`state-machine:${workflow}`, () =>
        readFanoutItems(source(), { bucket: item.Bucket, key: item.Key, count: 0 }),
      )(),
    workflows: {
      "vend-account": {
        definition: vendAccountDefinition(localTaskArns(VEND_STAGE_NAMES, region)),
        tasks: vendTasks,
        waits: Object.fromEntries(VEND_WAIT_STATES.map((s) => [s, waitMs])),
        // The third CreateAccount retrier waits for a CreateAccount slot. In AWS its 40 tries span about
        // an hour; locally they span 80 s, so a burst of a few hundred requests still gets its turn.
        retryIntervals: { Create: [retryMs, retryMs, Math.max(2000, retryMs)] },
        timeouts: options.creationFallbackSeconds
          ? { [stateOf("awaitCreation")]: options.creationFallbackSeconds }
          : undefined,
      },
      "sandbox-cleanup": {
        definition: sandboxCleanupDefinition(localTaskArns(CLEANUP_TASKS, region), {
          maxConcurrency: options.config.cleanup.maxConcurrency,
        }),
        tasks: cleanupTasks,
        waits: Object.fromEntries(CLEANUP_WAIT_STATES.map((s) => [s, waitMs])),
      },
      "budget-reconcile": {
        definition: budgetReconcileDefinition(localTaskArns(RECONCILE_TASKS, region)),
        tasks: reconcileTasks,
      },
      baseline: {
        definition: baselineDefinition(localTaskArns(BASELINE_TASKS, region)),
        tasks: baselineTasks,
        waits: { WaitForIdentityCenter: waitMs },
      },
      drift: {
        definition: driftDefinition(localTaskArns(DRIFT_TASKS, region)),
        tasks: driftTasks,
        waits: Object.fromEntries(DRIFT_WAIT_STATES.map((s) => [s, waitMs])),
      },
      "account-closure": {
        definition: accountClosureDefinition(localTaskArns(CLOSURE_TASKS, region)),
        tasks: closureTasks,
        waits: Object.fromEntries(CLOSURE_WAIT_STATES.map((s) => [s, waitMs])),
      },
    },
  });
  ctx = createCoreContext({
    config: options.config,
    tableName: options.tableName,
    eventBusName: "local",
    budgetTopicArn: options.budgetTopicArn,
    itemsBucket: options.itemsBucket ?? LOCAL_ITEMS_BUCKET,
    plugins: [
      callCounterPlugin(counter),
      faultPlugin(faults),
      asynchronousCreations(
        options.creationMs ?? 0,
        (source, type, detail) => events.publishFrom(source, type, detail),
        (email) => emulatorEmailTaken(region, email),
      ),
      identityCenterPlugin(options.creationMs ?? 0),
      ...(options.plugins ?? []),
    ],
    // One process runs every function here, so it builds every client.
    clientClasses: ALL_CLIENT_CLASSES,
    logger,
    retry: options.retry ?? { ...defaultRetryPolicy, baseDelayMs: 50, maxDelayMs: 500 },
    workflows: options.authorize ? guardedRunner(runner, options.authorize) : runner,
    events: options.authorize ? guardedBus(events, region, options.authorize) : events,
  });
  const permanentFailures: number[] = [];
  // The local bus delivers to the real handlers after the publishing step returns, as EventBridge does:
  // `aws.states` changes to the execution monitor (as the deployed rule does), every event to the notifier.
  const monitor = asFunction("execution-monitor", makeExecutionMonitorHandler(source));
  const notifier = asFunction(
    "notifier-lambda",
    makeNotifierHandler(source, {
      webhookUrl: async () => options.slackWebhookUrl,
      delivery: options.delivery,
      onPermanentFailure: (status) => permanentFailures.push(status),
      print: options.print,
    }),
  );
  events.subscribe(async (event) => {
    if (event.source === "aws.states")
      await monitor(event, lambdaContextFor("qm-local-execution-monitor", 60_000));
  });
  events.subscribe(async (event) => {
    await notifier(event, lambdaContextFor("qm-local-notifier", 60_000));
  });
  // As the deployed rule on the default bus does: a creation's end resumes the vend waiting for it.
  const creationEvents = asFunction("creation-events", makeCreationEventsHandler(source));
  events.subscribe(async (event) => {
    if (event.source === "aws.organizations" && options.creationEvents !== false)
      await creationEvents(event, lambdaContextFor("qm-local-creation-events", 60_000));
  });
  // As the deployed rule does: what a Slack route acknowledged is done by the Slack worker, after the answer.
  const slackWorker = asFunction(
    "slack-worker",
    makeSlackWorker(source, {
      botToken: async () => options.slack?.botToken,
      apiUrl: options.slack?.apiUrl,
      delivery: options.delivery,
    }),
  );
  events.subscribe(async (event) => {
    if (event["detail-type"] === SLACK_WORK_REQUESTED)
      await slackWorker(event, lambdaContextFor("qm-local-slack-worker", 60_000));
  });
  const housekeeping = asFunction("housekeeping", makeHousekeepingHandler(source));
  const routes = {
    ...ROUTES,
    ...slackRoutes({ signingSecret: async () => options.slack?.signingSecret }),
  };
  return {
    ctx,
    runner,
    events,
    counter,
    faults,
    permanentFailures,
    routeKeys: Object.keys(routes),
    apiHandler: apiAndSlack(makeApiHandler(source, { routes, callerEmail: localCallerEmail })),
    /** What AWS runs every 15 minutes (the same handler): approvals expire, leases warn and end. */
    housekeeping: () => housekeeping({}, lambdaContextFor("qm-local-housekeeping", 120_000)),
    logger,
  };
}
