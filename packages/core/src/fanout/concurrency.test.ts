import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/config";
import {
  CLEANUP_PROFILE,
  DEFAULT_CLEANUP_CONCURRENCY,
  fanoutConcurrency,
  MAX_FANOUT_CONCURRENCY,
} from "./concurrency";

describe("the fan-out's concurrency", () => {
  it("is the smallest bound the shared limits give, with the arithmetic of each", () => {
    const { value, bounds } = fanoutConcurrency(CLEANUP_PROFILE);

    expect(Object.fromEntries(bounds.map((b) => [b.limit, b.bound]))).toEqual({
      // 600 AssumeRole a second, a quarter of it, 1.5 s a task, one call a task.
      "STS AssumeRole": 225,
      // 800 transitions a second, half of it, 1.5 s a task, 3 transitions a task.
      "Step Functions transitions": 200,
      "Lambda concurrency (reserved)": 900,
      "Distributed Map children": 10_000,
    });
    expect(value).toBe(200);
    expect(bounds.every((b) => b.arithmetic.length > 0)).toBe(true);
  });

  it("falls when a task is shorter or calls more (a busier task leaves room for fewer accounts at once)", () => {
    expect(fanoutConcurrency({ ...CLEANUP_PROFILE, taskSeconds: 0.5 }).value).toBe(66);
    expect(fanoutConcurrency({ ...CLEANUP_PROFILE, assumeRolesPerTask: 4 }).value).toBe(56);
  });

  it("is the configuration's default, and the configuration's most is what Lambda leaves unreserved", () => {
    expect(parseConfig({}).cleanup.maxConcurrency).toBe(DEFAULT_CLEANUP_CONCURRENCY);
    expect(() => parseConfig({ cleanup: { maxConcurrency: MAX_FANOUT_CONCURRENCY + 1 } })).toThrow(
      /maxConcurrency/,
    );
    expect(parseConfig({ cleanup: { maxConcurrency: MAX_FANOUT_CONCURRENCY } }).cleanup.maxConcurrency).toBe(
      900,
    );
  });
});
