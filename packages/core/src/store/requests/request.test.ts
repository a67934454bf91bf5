import { vendRequest } from "@test/support/unit-context";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../errors";
import { parseVendRequest } from "./request";

function issuesFor(body: unknown): string[] {
  try {
    parseVendRequest(body, "Sandbox");
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.details.map((d) => d.path);
  }
}

describe("parseVendRequest", () => {
  it("accepts a complete request and lower-cases the email", () => {
    const parsed = parseVendRequest({ ...vendRequest(), email: "AWS+Team@Example.com" }, "Sandbox");

    expect(parsed.email).toBe("aws+team@example.com");
  });

  it.each([
    ["a name with brackets", "team[1]"],
    ["a name with quotes", 'team "one"'],
    ["a name with a leading space", " team"],
    ["a name with non-ASCII", "équipe"],
    ["an empty name", ""],
    ["a name over 50 characters", "x".repeat(51)],
    ["a name with a shell separator", "x;touch pwned;"],
    ["a name with a variable", "$HOME"],
    ["a name with a pipe", "a|b"],
    ["a name with a slash", "a/b"],
    ["a name with a star", "a*b"],
    ["a name that looks like an option", "-rf"],
    ["a name ending with a dot", "team."],
  ])("rejects %s", (_label, name) => {
    expect(issuesFor({ ...vendRequest(), name })).toEqual(["name"]);
  });

  it.each(["payments-dev", "Team 1.v2_x", "a", "9"])("accepts the name %s", (name) => {
    expect(issuesFor({ ...vendRequest(), name })).toEqual([]);
  });

  it("refuses user tags under quartermaster:, which Quartermaster writes itself", () => {
    expect(issuesFor({ ...vendRequest(), tags: { "Quartermaster:request-id": "x" } })).toEqual([
      "tags.Quartermaster:request-id",
    ]);
  });

  it.each([
    "a@b.c",
    "no-at-sign.example.com",
    "two@@example.com",
    "space @example.com",
    "semi;colon@example.com",
    "nodot@example",
    `${"x".repeat(60)}@example.com`,
  ])("rejects the email %s", (email) => {
    expect(issuesFor({ ...vendRequest(), email })).toEqual(["email"]);
  });

  it("rejects more than 40 tags, aws: keys and over-long values", () => {
    const many = Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, "v"]));

    expect(issuesFor({ ...vendRequest(), tags: many })).toEqual(["tags"]);
    expect(issuesFor({ ...vendRequest(), tags: { "AWS:cost": "x" } })).toEqual(["tags.AWS:cost"]);
    expect(issuesFor({ ...vendRequest(), tags: { team: "v".repeat(257) } })).toEqual(["tags.team"]);
  });

  it("validates budgets: positive limit, thresholds 1-1000, at most 10 valid emails", () => {
    const emails = Array.from({ length: 11 }, (_, i) => `owner${i}@example.com`);

    expect(issuesFor({ ...vendRequest(), budget: { monthlyLimitUsd: -1 } })).toEqual([
      "budget.monthlyLimitUsd",
    ]);
    expect(issuesFor({ ...vendRequest(), budget: { monthlyLimitUsd: 5, thresholds: [1001] } })).toEqual([
      "budget.thresholds.0",
    ]);
    expect(issuesFor({ ...vendRequest(), budget: { monthlyLimitUsd: 5, emails } })).toEqual([
      "budget.emails",
    ]);
  });

  it("fills in the default OU when the body names none", () => {
    const { ou: _ou, ...withoutOu } = vendRequest();

    expect(parseVendRequest(withoutOu, "Workloads/QA").ou).toBe("Workloads/QA");
  });

  it("rejects unknown fields", () => {
    expect(issuesFor({ ...vendRequest(), region: "us-east-1" })).toEqual(["(body)"]);
  });
});
