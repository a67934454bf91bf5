import { classifyAwsError, toQuartermasterError } from "./classify";

/** How AWS calls are retried: exponential backoff with full jitter, bounded. */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Full-jitter delay for the given 0-based retry number (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export function fullJitterDelay(
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "random">,
  retry: number,
) {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(policy.random() * ceiling);
}

/**
 * Runs an AWS call, retrying transient failures with backoff. Terminal errors and
 * exhausted retries are rethrown as Quartermaster errors that keep the AWS error as cause.
 */
export async function withRetry<T>(action: string, call: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (classifyAwsError(error) === "terminal" || attempt >= policy.maxAttempts) {
        throw toQuartermasterError(error, action);
      }
      await policy.sleep(fullJitterDelay(policy, attempt - 1));
    }
  }
}

/** IAM action prefixes by SDK service id: errors name the failed call as IAM does (`organizations:MoveAccount`). */
const IAM_PREFIX: Record<string, string> = {
  Organizations: "organizations",
  "SSO Admin": "sso",
  identitystore: "identitystore",
  Budgets: "budgets",
  Account: "account",
  EC2: "ec2",
  SFN: "states",
  STS: "sts",
  EventBridge: "events",
  CloudFormation: "cloudformation",
  DynamoDB: "dynamodb",
};

interface SendingClient {
  send: (command: never, ...rest: never[]) => Promise<unknown>;
  config: { serviceId?: string };
}

/**
 * The retry plugin every client gets from the client factory: each `send` retries transient
 * failures with the policy (the shared classifier, full jitter, a bound) and turns what it
 * finally throws into a Quartermaster error that keeps the AWS error as its cause. Call sites
 * just `send`. It wraps `send` rather than sitting in the middleware stack so that unit tests,
 * whose aws-sdk-client-mock replaces the class's `send`, exercise the same retries; the call
 * counter and injected faults are middleware inside `send`, so they see every attempt.
 */
export function retrying<C extends SendingClient>(client: C, policy: RetryPolicy): C {
  const service = IAM_PREFIX[client.config.serviceId ?? ""] ?? client.config.serviceId ?? "aws";
  const send = (command: object, ...rest: unknown[]) => {
    const action = `${service}:${command.constructor.name.replace(/Command$/, "")}`;
    // The class's own send, looked up at call time (so a test's mock of it is honoured).
    const original = Object.getPrototypeOf(client).send as (...args: unknown[]) => Promise<unknown>;
    return withRetry(action, () => original.call(client, command, ...rest), policy);
  };
  Object.defineProperty(client, "send", { value: send, writable: true, configurable: true });
  return client;
}
