import { NotificationsEnvSchema } from "./env";
import { makeNotifierHandler } from "./notifier";
import { lambdaContext } from "./runtime";
import { webhookFromSecret } from "./slack-secret";

const source = lambdaContext(NotificationsEnvSchema);

/** The deployed notifier: the webhook URL comes from the SST secret bound to this function, once set. */
export const handler = makeNotifierHandler(source, {
  webhookUrl: webhookFromSecret(() => source().logger),
  // Counted by core as the SlackDeliveryFailed metric, which the NotifierFailures alarm watches.
  onPermanentFailure: () => undefined,
});
