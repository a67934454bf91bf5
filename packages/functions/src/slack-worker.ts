import { SlackWorkerEnvSchema } from "./env";
import { REQUEST_CLIENTS } from "./request-clients";
import { lambdaContext } from "./runtime";
import { deployedSlackWebApi, makeSlackWorker } from "./slack";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways).
 * A `/vend` validates and records like `POST /accounts`; a decision starts the vend workflow.
 */
export const CLIENTS = REQUEST_CLIENTS;

const source = lambdaContext(SlackWorkerEnvSchema, CLIENTS);

/** The `Slack Work Requested` events (the rule on the project's bus): what the Slack routes acknowledged. */
export const handler = makeSlackWorker(
  source,
  deployedSlackWebApi(() => source().logger),
);
