import type { Logger } from "@aws-lambda-powertools/logger";

/** What the notifier reads of SST's config module (its Config is typed from the bound resources). */
type ConfigModule = { Config: { SLACK_WEBHOOK_URL?: string } };

/**
 * The Slack webhook URL from the SST secret bound to the notifier, read on first use. Before
 * `sst secrets set SLACK_WEBHOOK_URL` has run, SST's config module throws as it loads; that is
 * not an error of the event, so the notifier logs one warning (naming the secret, never a value)
 * and acknowledges, instead of failing every event until the secret exists. A new container
 * reads the secret again.
 */
export function webhookFromSecret(
  logger: () => Pick<Logger, "warn">,
  load: () => Promise<ConfigModule> = () => import("sst/node/config"),
): () => Promise<string | undefined> {
  let url: Promise<string | undefined> | undefined;
  return () => {
    url ??= load().then(
      (module) => module.Config.SLACK_WEBHOOK_URL || undefined,
      (error: unknown) => {
        logger().warn("SLACK_WEBHOOK_URL is not set yet: notifications are acknowledged without posting", {
          hint: "npx sst secrets set SLACK_WEBHOOK_URL <url> --stage <stage>",
          reason: error instanceof Error ? error.message.slice(0, 200) : String(error),
        });
        return undefined;
      },
    );
    return url;
  };
}
