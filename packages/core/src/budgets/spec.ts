import { createHash } from "node:crypto";
import { canonicalJson } from "../canonical-json";
import type { Config } from "../config/config";
import type { BudgetRequest } from "../store/requests/request";

export interface BudgetNotificationSpec {
  type: "ACTUAL" | "FORECASTED";
  threshold: number;
}

/** The budget Quartermaster wants for one account. */
export interface BudgetSpec {
  budgetName: string;
  accountId: string;
  monthlyLimitUsd: number;
  notifications: BudgetNotificationSpec[];
  emails: string[];
  topicArn?: string;
}

/** Prefix of every budget Quartermaster manages; reconcile recognises them by it. */
export const BUDGET_PREFIX = "quartermaster-";

/** `quartermaster-<account name>-<account id>`: named after the account, unique even when names repeat. */
export function budgetName(accountName: string, accountId: string): string {
  // Budget names may not contain ':' or '\'; keep them short of the 100-character limit.
  const safe = accountName.replace(/[:\\]/g, "-").slice(0, 60);
  return `${BUDGET_PREFIX}${safe}-${accountId}`;
}

/** The spec from the request's `budget`, else the configured defaults. */
export function budgetSpec(
  input: { accountId: string; accountName: string; budget?: BudgetRequest },
  config: Config,
  topicArn: string | undefined,
): BudgetSpec {
  const defaults = config.budgetDefaults;
  const thresholds = input.budget?.thresholds ?? defaults.thresholds;
  const notifications: BudgetNotificationSpec[] = [...new Set(thresholds)]
    .sort((a, b) => a - b)
    .map((threshold) => ({ type: "ACTUAL" as const, threshold }));
  if (defaults.forecastedThreshold !== undefined && !input.budget?.thresholds) {
    notifications.push({ type: "FORECASTED", threshold: defaults.forecastedThreshold });
  }
  return {
    budgetName: budgetName(input.accountName, input.accountId),
    accountId: input.accountId,
    monthlyLimitUsd: input.budget?.monthlyLimitUsd ?? defaults.monthlyLimitUsd,
    notifications,
    emails: [...new Set((input.budget?.emails ?? defaults.emails).map((e) => e.toLowerCase()))].sort(),
    topicArn,
  };
}

/** A stable fingerprint of a spec: equal specs, equal fingerprints. */
export function specFingerprint(spec: BudgetSpec): string {
  return createHash("sha256").update(canonicalJson(spec)).digest("hex");
}
