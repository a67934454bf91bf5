import { describe, expect, it } from "vitest";
import { vendRecord, vendRequest } from "../../../../test/support/unit-context";
import { parseConfig } from "../config/config";
import { expectedAccount, findings, type ObservedAccount } from "./compare";

const record = {
  ...vendRecord({
    requestId: "req-1",
    status: "SUCCEEDED",
    request: vendRequest({
      name: "payments-dev",
      tags: { team: "payments", cost: "42" },
      budget: { monthlyLimitUsd: 200 },
    }),
  }),
  accountId: "111122223333",
};
record.resolved.access.push({
  group: "Developers",
  groupId: "g-dev",
  permissionSets: [{ name: "ReadOnlyAccess", arn: "arn:ps-ro" }],
  source: "baseline",
});

const expected = expectedAccount(record, parseConfig({}), undefined);

/** What AWS holds for an account exactly as its request left it. */
function asVended(): ObservedAccount {
  return {
    ouId: "ou-abcd-11111111",
    tags: { team: "payments", cost: "42", "quartermaster:request-id": "req-1", added: "by hand" },
    budget: {
      monthlyLimitUsd: 200,
      notifications: [
        { type: "ACTUAL", threshold: 100 },
        { type: "ACTUAL", threshold: 50 },
        { type: "ACTUAL", threshold: 80 },
        { type: "FORECASTED", threshold: 100 },
      ],
    },
    assignments: ["g-admin/arn:ps-admin", "g-dev/arn:ps-ro", "g-other/arn:ps-admin"],
  };
}

describe("drift findings of a vended account", () => {
  it("finds nothing in an account as its request left it, whatever else was added", () => {
    expect(findings(expected, asVended())).toEqual([]);
  });

  it("reports an account moved to another OU, by path", () => {
    const observed = { ...asVended(), ouId: "ou-abcd-22222222", ouPath: "Sandbox" };

    expect(findings(expected, observed)).toEqual([
      { kind: "ou", key: "ou", expected: "Workloads/Development", actual: "Sandbox" },
    ]);
  });

  it("reports each tag removed or changed, the request-id tag included", () => {
    const observed = asVended();
    delete observed.tags.team;
    delete observed.tags["quartermaster:request-id"];
    observed.tags.cost = "43";

    expect(findings(expected, observed)).toEqual([
      { kind: "tag", key: "cost", expected: "42", actual: "43" },
      { kind: "tag", key: "quartermaster:request-id", expected: "req-1", actual: null },
      { kind: "tag", key: "team", expected: "payments", actual: null },
    ]);
  });

  it("reports a deleted budget, and a changed limit or alerts field by field", () => {
    const deleted = { ...asVended(), budget: undefined };
    const changed = asVended();
    changed.budget = { monthlyLimitUsd: 500, notifications: [{ type: "ACTUAL", threshold: 100 }] };

    expect(findings(expected, deleted)).toEqual([
      {
        kind: "budget",
        key: "quartermaster-payments-dev-111122223333",
        expected: {
          monthlyLimitUsd: 200,
          notifications: ["ACTUAL:100", "ACTUAL:50", "ACTUAL:80", "FORECASTED:100"],
        },
        actual: null,
      },
    ]);
    expect(findings(expected, changed).map((f) => [f.key, f.actual])).toEqual([
      ["quartermaster-payments-dev-111122223333.monthlyLimitUsd", 500],
      ["quartermaster-payments-dev-111122223333.notifications", ["ACTUAL:100"]],
    ]);
  });

  it("reports each removed assignment, the baseline's standing ones included", () => {
    const observed = { ...asVended(), assignments: ["g-other/arn:ps-admin"] };

    expect(findings(expected, observed)).toEqual([
      { kind: "assignment", key: "Admin/AdministratorAccess", expected: "assigned", actual: null },
      { kind: "assignment", key: "Developers/ReadOnlyAccess", expected: "assigned", actual: null },
    ]);
  });
});
