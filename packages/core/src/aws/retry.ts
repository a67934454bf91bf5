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
