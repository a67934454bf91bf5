import { describe, expect, it } from "vitest";
import { nextDailyRun } from "./schedule";

describe("nextDailyRun", () => {
  it("finds the next UTC midnight", () => {
    expect(nextDailyRun("cron(0 0 * * ? *)", "UTC", new Date("2026-11-23T20:15:00Z"))?.toISOString()).toBe(
      "2026-11-24T00:00:00.000Z",
    );
  });

  it("honours the time zone", () => {
    expect(
      nextDailyRun("cron(0 0 * * ? *)", "Europe/Paris", new Date("2026-11-23T20:15:00Z"))?.toISOString(),
    ).toBe("2026-11-23T23:00:00.000Z");
  });

  it("does not run expressions it cannot schedule locally", () => {
    expect(nextDailyRun("rate(1 hour)", "UTC", new Date())).toBeUndefined();
  });
});
