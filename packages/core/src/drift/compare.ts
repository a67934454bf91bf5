import { type BudgetNotificationSpec, type BudgetSpec, budgetSpec } from "../budgets/spec";
import type { Config } from "../config/config";
import type { VendRequestRecord } from "../store/requests/record";
import { REQUEST_TAG } from "../vending/create";

/** What drifted: where the account sits, a tag, its budget, or an assignment. */
export type FindingKind = "ou" | "tag" | "budget" | "assignment";

/** One difference between what the request asked for and what AWS holds. */
export interface Finding {
  kind: FindingKind;
  /** Stable within its kind: `ou`, the tag key, the budget's name (and field), `<group>/<permission set>`. */
  key: string;
  expected: unknown;
  /** `null` when AWS holds nothing (a tag removed, a budget deleted, an assignment missing). */
  actual: unknown;
}

export interface ExpectedAssignment {
  group: string;
  groupId: string;
  permissionSet: string;
  permissionSetArn: string;
}

/** What a vended account should look like: its request, as the vend's stages made it. */
export interface ExpectedAccount {
  accountId: string;
  ouId: string;
  ouPath: string;
  tags: Record<string, string>;
  budget: BudgetSpec;
  assignments: ExpectedAssignment[];
}

/** What AWS holds for the account, read with the same calls the vend's stages read. */
export interface ObservedAccount {
  ouId: string;
  /** The path of `ouId`, where the directory knows it (for the report). */
  ouPath?: string;
  tags: Record<string, string>;
  budget?: { monthlyLimitUsd: number; notifications: BudgetNotificationSpec[] };
  /** `<groupId>/<permissionSetArn>` of every GROUP assignment on the account. */
  assignments: string[];
}

/** The account as its SUCCEEDED request left it: OU, tags (the request-id tag too), budget, every grant. */
export function expectedAccount(
  record: VendRequestRecord & { accountId: string },
  config: Config,
  topicArn: string | undefined,
): ExpectedAccount {
  return {
    accountId: record.accountId,
    ouId: record.resolved.ouId,
    ouPath: record.resolved.ouPath,
    tags: { ...(record.request.tags ?? {}), [REQUEST_TAG]: record.requestId },
    budget: budgetSpec(
      { accountId: record.accountId, accountName: record.request.name, budget: record.request.budget },
      config,
      topicArn,
    ),
    assignments: record.resolved.access.flatMap((grant) =>
      grant.permissionSets.map((ps) => ({
        group: grant.group,
        groupId: grant.groupId,
        permissionSet: ps.name,
        permissionSetArn: ps.arn,
      })),
    ),
  };
}

const notificationKey = (n: BudgetNotificationSpec) => `${n.type}:${n.threshold}`;

/**
 * Every finding, in a stable order (OU, tags by key, budget, assignments as granted). Only what the
 * request asked for is compared: a tag or an assignment someone added is theirs, not drift.
 */
export function findings(expected: ExpectedAccount, observed: ObservedAccount): Finding[] {
  const out: Finding[] = [];
  if (observed.ouId !== expected.ouId)
    out.push({ kind: "ou", key: "ou", expected: expected.ouPath, actual: observed.ouPath ?? observed.ouId });
  for (const key of Object.keys(expected.tags).sort()) {
    const actual = observed.tags[key];
    if (actual !== expected.tags[key])
      out.push({ kind: "tag", key, expected: expected.tags[key], actual: actual ?? null });
  }
  const name = expected.budget.budgetName;
  const wantedNotifications = expected.budget.notifications.map(notificationKey).sort();
  if (!observed.budget)
    out.push({
      kind: "budget",
      key: name,
      expected: { monthlyLimitUsd: expected.budget.monthlyLimitUsd, notifications: wantedNotifications },
      actual: null,
    });
  else {
    if (observed.budget.monthlyLimitUsd !== expected.budget.monthlyLimitUsd)
      out.push({
        kind: "budget",
        key: `${name}.monthlyLimitUsd`,
        expected: expected.budget.monthlyLimitUsd,
        actual: observed.budget.monthlyLimitUsd,
      });
    const have = observed.budget.notifications.map(notificationKey).sort();
    if (have.join() !== wantedNotifications.join())
      out.push({ kind: "budget", key: `${name}.notifications`, expected: wantedNotifications, actual: have });
  }
  const assigned = new Set(observed.assignments);
  for (const a of expected.assignments)
    if (!assigned.has(`${a.groupId}/${a.permissionSetArn}`))
      out.push({
        kind: "assignment",
        key: `${a.group}/${a.permissionSet}`,
        expected: "assigned",
        actual: null,
      });
  return out;
}
