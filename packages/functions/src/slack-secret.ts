import type { Logger } from "@aws-lambda-powertools/logger";

/** The Slack secrets Quartermaster binds (SST secrets, one per value). */
export type SlackSecretName = "SLACK_WEBHOOK_URL" | "SLACK_SIGNING_SECRET" | "SLACK_BOT_TOKEN";

/** What a function reads of SST's config module (its Config is typed from the bound resources). */
type ConfigModule = { Config: Partial<Record<SlackSecretName, string>> };

/**
 * An SST secret bound to the function, read on first use. Before `sst secrets set <NAME>` has run,
 * SST's config module throws as it loads; that is not an error of the event, so the function logs
 * one warning (naming the secret, never a value) and goes on without it (the notifier acknowledges
 * without posting; the Slack routes refuse every request as unsigned) instead of failing until the
 * secret exists. A new container reads the secret again.
 */
export function secretFromSst(
  name: SlackSecretName,
  logger: () => Pick<Logger, "warn">,
  load: () => Promise<ConfigModule> = () => import("sst/node/config"),
): () => Promise<string | undefined> {
  let value: Promise<string | undefined> | undefined;
  return () => {
    value ??= load().then(
      (module) => module.Config[name] || undefined,
      (error: unknown) => {
        logger().warn(`${name} is not set yet: the function goes on without it`, {
          hint: `npx sst secrets set ${name} <value> --stage <stage>`,
          reason: error instanceof Error ? error.message.slice(0, 200) : String(error),
        });
        return undefined;
      },
    );
    return value;
  };
}

/** The Slack webhook URL of the notifier (see secretFromSst). */
export function webhookFromSecret(
  logger: () => Pick<Logger, "warn">,
  load?: () => Promise<ConfigModule>,
): () => Promise<string | undefined> {
  return secretFromSst("SLACK_WEBHOOK_URL", logger, load);
}
