import type { Config } from "../config/config";

/**
 * Wait before the next status check: exponential from pollMinSeconds, capped at
 * pollMaxSeconds, with full jitter but never below one second.
 */
export function nextPollSeconds(config: Config["creation"], attempt: number, random: () => number): number {
  const ceiling = Math.min(config.pollMaxSeconds, config.pollMinSeconds * 2 ** attempt);
  return Math.max(1, Math.round(random() * ceiling));
}

/**
 * Wait before the next check of something AWS announces no end of (account assignments): at most half
 * the time waited so far (equal jitter over its upper half), at least the 1 s a Wait state can express,
 * at most `maxSeconds`. The extra latency is then under half the time the operation took, and the checks
 * grow with its logarithm: about 15 for five minutes (docs/benchmarks.md has the curve).
 */
export function halfElapsedWaitSeconds(elapsedMs: number, maxSeconds: number, random: () => number): number {
  const half = (Math.max(0, elapsedMs) / 1000 / 2) * (0.5 + random() / 2);
  return Math.max(1, Math.min(maxSeconds, Math.floor(half)));
}

/** True once `deadlineMinutes` have passed since `since`. */
export function pastDeadline(since: string, deadlineMinutes: number, now: Date): boolean {
  return now.getTime() - Date.parse(since) > deadlineMinutes * 60_000;
}
