import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { ConfigError } from "../errors";
import { ConfigSchema, parseConfig, parseConfigJson } from "./config";

describe("parseConfig", () => {
  it("fills every default", () => {
    const config = parseConfig({});

    expect(config).toMatchObject({
      homeRegion: "us-east-1",
      memberRoleName: "OrganizationAccountAccessRole",
      sandboxOuPaths: ["Sandbox"],
      cleanup: { schedule: "cron(0 0 * * ? *)", timezone: "UTC", maxConcurrency: 200 },
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

describe("the README's complete quartermaster.config.json", () => {
  const readme = readFileSync(new URL("../../../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("A complete `quartermaster.config.json`");
  const block = /```json\n([\s\S]*?)\n```/.exec(readme.slice(start))?.[1] ?? "";

  /** Every key path a schema accepts, through defaults, optionals and arrays of objects. */
  function keyPaths(schema: z.ZodType, prefix = ""): string[] {
    let s: z.ZodType = schema;
    while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    if (s instanceof z.ZodArray) return keyPaths(s.element as z.ZodType, `${prefix}[]`);
    if (!(s instanceof z.ZodObject)) return [];
    return Object.entries(s.shape).flatMap(([key, child]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      return [path, ...keyPaths(child as z.ZodType, path)];
    });
  }

  function valuePaths(value: unknown, prefix = ""): string[] {
    if (Array.isArray(value)) return [...new Set(value.flatMap((v) => valuePaths(v, `${prefix}[]`)))];
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([key, child]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      return [path, ...valuePaths(child, path)];
    });
  }

  it("parses, and sets every field the configuration has", () => {
    expect(start).toBeGreaterThan(0);
    const config = parseConfigJson(block);

    expect(config.approvals.rules).toHaveLength(1);
    expect(valuePaths(JSON.parse(block)).sort()).toEqual(keyPaths(ConfigSchema).sort());
  });
});
