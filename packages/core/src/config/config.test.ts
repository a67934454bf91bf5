import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors";
import { parseConfig, parseConfigJson } from "./config";

describe("parseConfig", () => {
  it("fills every default", () => {
    const config = parseConfig({});

    expect(config).toMatchObject({
      homeRegion: "us-east-1",
      memberRoleName: "OrganizationAccountAccessRole",
      sandboxOuPaths: ["Sandbox"],
      cleanup: { schedule: "cron(0 0 * * ? *)", timezone: "UTC", maxConcurrency: 10 },
      creation: { deadlineMinutes: 30 },
    });
  });

  it("fails naming each bad field", () => {
    const attempt = () =>
      parseConfig({ homeRegion: "mars-1", managementRoleArn: "role", cleanup: { schedule: "every night" } });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/homeRegion: .*managementRoleArn: .*cleanup\.schedule: /);
  });

  it("refuses unknown keys at every level, naming the nearest known key", () => {
    const attempt = () =>
      parseConfig({
        aprovals: { rules: [] },
        cleanup: { maxConcurency: 5 },
        approvals: {
          rules: [{ ous: ["Workloads"], approvers: ["a@example.com"], approver: "b@example.com" }],
        },
        budgetDefaults: { zzz: 1 },
      });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/aprovals: unknown key; did you mean "approvals"\?/);
    expect(attempt).toThrow(/cleanup\.maxConcurency: unknown key; did you mean "maxConcurrency"\?/);
    expect(attempt).toThrow(/approvals\.rules\.0\.approver: unknown key; did you mean "approvers"\?/);
    expect(attempt).toThrow(/budgetDefaults\.zzz: unknown key \(known: monthlyLimitUsd, /);
  });

  it("rejects QM_CONFIG that is not JSON", () => {
    expect(() => parseConfigJson("{oops")).toThrow(/QM_CONFIG is not valid JSON/);
  });
});
