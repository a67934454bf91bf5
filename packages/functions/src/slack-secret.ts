import type { Logger } from "@aws-lambda-powertools/logger";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { defaultRetryPolicy, retrying } from "@quartermaster/core/aws/retry";
import { ConfigError } from "@quartermaster/core/errors";

/** The Slack secrets Quartermaster binds (SST secrets, one per value). */
export type SlackSecretName = "SLACK_WEBHOOK_URL" | "SLACK_SIGNING_SECRET" | "SLACK_BOT_TOKEN";

/** The value SST v2 puts in a bound secret's variable when the value itself is in SSM. */
const FETCH_FROM_SSM = "__FETCH_FROM_SSM__";

/** Reads the secret's value; throws while it is not set. */
export type SecretLoader = (name: SlackSecretName) => Promise<string>;

let ssm: SSMClient | undefined;

/**
 * A secret bound with SST v2's `Config.Secret`, read the way SST's own `sst/node/config` reads it:
 * the function's `SST_Secret_value_<NAME>` variable holds the value, or says it is in SSM, at
 * `<SST_SSM_PREFIX>Secret/<NAME>/value`, else at the app's fallback `/sst/<app>/.fallback/Secret/<NAME>/value`.
 * SST's module is not used: it loads every bound value at import with its own, older SSM client, which
 * made the Slack functions' bundles twice the size of the others.
 */
export const readSstSecret: SecretLoader = async (name) => {
  const bound = process.env[`SST_Secret_value_${name}`];
  if (bound === undefined) throw new ConfigError(`The secret ${name} is not bound to this function`);
  if (bound !== FETCH_FROM_SSM) return bound;
  ssm ??= retrying(
    new SSMClient({ region: process.env.SST_REGION ?? process.env.AWS_REGION, maxAttempts: 1 }),
    defaultRetryPolicy,
  );
  const paths = [
    `${process.env.SST_SSM_PREFIX ?? ""}Secret/${name}/value`,
    `/sst/${process.env.SST_APP}/.fallback/Secret/${name}/value`,
  ];
  for (const path of paths) {
    const out = await ssm.send(new GetParametersCommand({ Names: [path], WithDecryption: true }));
    const value = out.Parameters?.find((p) => p.Name === path)?.Value;
    if (value !== undefined) return value;
  }
  throw new ConfigError(`The secret ${name} is not set in the "${process.env.SST_STAGE}" stage`);
};

/**
 * An SST secret bound to the function, read on first use. Before `sst secrets set <NAME>` has run
 * there is no value; that is not an error of the event, so the function logs one warning (naming
 * the secret, never a value) and goes on without it (the notifier acknowledges without posting; the
 * Slack routes refuse every request as unsigned) instead of failing until the secret exists. A new
 * container reads the secret again.
 */
export function secretFromSst(
  name: SlackSecretName,
  logger: () => Pick<Logger, "warn">,
  load: SecretLoader = readSstSecret,
): () => Promise<string | undefined> {
  let value: Promise<string | undefined> | undefined;
  return () => {
    value ??= load(name).then(
      (secret) => secret || undefined,
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
  load?: SecretLoader,
): () => Promise<string | undefined> {
  return secretFromSst("SLACK_WEBHOOK_URL", logger, load);
}
