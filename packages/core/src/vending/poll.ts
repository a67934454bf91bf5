import type { Config } from "../config/config";

/**
 * Wait before the next status check: exponential from pollMinSeconds, capped at
 * pollMaxSeconds, with full jitter but never below one second.
 */
export function nextPollSeconds(config: Config["creation"], attempt: number, random: () => number): number {
  const ceiling = Math.min(config.pollMaxSeconds, config.pollMinSeconds * 2 ** attempt);
  return Math.max(1, Math.round(random() * ceiling));
}

/** True once `deadlineMinutes` have passed since `since`. */
export function pastDeadline(since: string, deadlineMinutes: number, now: Date): boolean {
  return now.getTime() - Date.parse(since) > deadlineMinutes * 60_000;
}
