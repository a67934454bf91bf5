import { describe, expect, it } from "vitest";
import { parseVendCommand, splitCommandText } from "./flags";

describe("parseVendCommand (Slack's /vend text)", () => {
  it("reads every flag of qm vend into a POST /accounts body", () => {
    const { body, issues } = parseVendCommand(
      '--name "team sandbox" --email aws+t@example.com --ou Sandbox/Experiments --access Admin=AdministratorAccess,ReadOnlyAccess --access Developers=ReadOnlyAccess --budget 50 --tag team=pay --tag env=dev --lease-hours 48',
    );

    expect(issues).toEqual([]);
    expect(body).toEqual({
      name: "team sandbox",
      email: "aws+t@example.com",
      ou: "Sandbox/Experiments",
      access: [
        { group: "Admin", permissionSets: ["AdministratorAccess", "ReadOnlyAccess"] },
        { group: "Developers", permissionSets: ["ReadOnlyAccess"] },
      ],
      budget: { monthlyLimitUsd: 50 },
      tags: { team: "pay", env: "dev" },
      lease: { hours: 48 },
    });
  });

  it("undoes Slack's rendering of emails and links, and reads typographic quotes", () => {
    const { body } = parseVendCommand(
      "--name \u201cmy box\u201d --email <mailto:a.b@example.com|a.b@example.com> --tag k=a&amp;b",
    );

    expect(body).toMatchObject({ name: "my box", email: "a.b@example.com", tags: { k: "a&b" } });
  });

  it("lists every problem, not the first", () => {
    const { issues } = parseVendCommand("--budget lots --tag novalue --access Admin");

    expect(issues.map((i) => i.path)).toEqual(["--name", "--email", "--access", "--tag", "--budget"]);
  });

  it("reports an unknown flag and an unclosed quote", () => {
    expect(parseVendCommand("--name a --email b@c.de --color red").issues[0]?.message).toMatch(/color/);
    expect(splitCommandText('--name "oops').issues[0]?.message).toMatch(/never closed/);
  });
});
