import type { ClientClasses } from "@quartermaster/core/aws/clients";
import { NotificationsEnvSchema } from "./env";
import { makeNotifierHandler } from "./notifier";
import { lambdaContext } from "./runtime";
import { webhookFromSecret } from "./slack-secret";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = {};

const source = lambdaContext(NotificationsEnvSchema, CLIENTS);

/** The deployed notifier: the webhook URL comes from the SST secret bound to this function, once set. */
export const handler = makeNotifierHandler(source, {
  webhookUrl: webhookFromSecret(() => source().logger),
  // Counted by core as the SlackDeliveryFailed metric, which the NotifierFailures alarm watches.
  onPermanentFailure: () => undefined,
});
