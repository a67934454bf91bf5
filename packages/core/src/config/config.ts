import * as z from "zod";
import { ConfigError } from "../errors";

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as us-east-1");
const ouPath = z
  .string()
  .min(1)
  .regex(/^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|[^/]+(\/[^/]+)*)$/, "must be an OU path or id");

export const BudgetDefaultsSchema = z.object({
  monthlyLimitUsd: z.number().positive().default(100),
  /** ACTUAL-spend thresholds, in percent of the limit. */
  thresholds: z.array(z.number().min(1).max(1000)).min(1).default([50, 80, 100]),
  /** FORECASTED-spend threshold, in percent; omitted to disable. */
  forecastedThreshold: z.number().min(1).max(1000).optional().default(100),
  emails: z.array(z.email()).max(10).default([]),
});

const approver = z
  .string()
  .regex(
    /^(group:[^\s].{0,127}|[^\s@]+@[^\s@]+\.[^\s@]+)$/,
    "must be an email address or group:<Identity Center group>",
  );

/** One approval rule: requests for these OUs (or below them) wait for one of these approvers. */
export const ApprovalRuleSchema = z.object({
  ous: z.array(ouPath).min(1),
  approvers: z.array(approver).min(1),
});
export type ApprovalRule = z.infer<typeof ApprovalRuleSchema>;

/** The typed configuration shared by stacks, handlers, local mode and tests. */
export const ConfigSchema = z.object({
  /** Where Organizations calls, Identity Center and the project's resources live. */
  homeRegion: region.default("us-east-1"),
  identityCenter: z
    .object({
      /** Discovered with sso-admin:ListInstances when absent. */
      instanceArn: z.string().startsWith("arn:").optional(),
      identityStoreId: z.string().min(1).optional(),
      /** The AWS access portal, shown in Slack messages. */
      portalUrl: z.url().optional(),
    })
    .default({}),
  /** OU used when a request names none. */
  defaultOu: ouPath.default("Sandbox"),
  /** OUs whose accounts the nightly clean-up empties (recursively). */
  sandboxOuPaths: z.array(ouPath).min(1).default(["Sandbox"]),
  /** OUs whose ACTIVE accounts may be closed (`POST /accounts/{id}/close`, leases); absent means the sandbox OUs. */
  closableOuPaths: z.array(ouPath).min(1).optional(),
  leases: z
    .object({
      /** Slack is warned this many hours before a lease ends. */
      warnHoursBefore: z
        .number()
        .min(0)
        .max(24 * 30)
        .default(24),
      /** Where a closed account is moved (a path or an OU id). */
      closedOu: ouPath.default("Suspended"),
      /** How long a closure waits before trying CloseAccount again after AWS's close quota refused it. */
      quotaRetryHours: z
        .number()
        .min(1)
        .max(24 * 7)
        .default(6),
    })
    .default({ warnHoursBefore: 24, closedOu: "Suspended", quotaRetryHours: 6 }),
  /** OUs whose accounts `POST /budgets/reconcile` covers. */
  budgetOuPaths: z.array(ouPath).min(1).default(["Workloads", "Shared", "Sandbox"]),
  /** Role assumed in member accounts. */
  memberRoleName: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name")
    .default("OrganizationAccountAccessRole"),
  /** Role assumed for management APIs when deployed outside the management account. */
  managementRoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "must be an IAM role ARN")
    .optional(),
  directory: z
    .object({
      /** How long names -> ids (OUs, groups, permission sets) and account emails are remembered. */
      ttlSeconds: z.number().int().min(0).max(3600).default(60),
    })
    .default({ ttlSeconds: 60 }),
  creation: z
    .object({
      deadlineMinutes: z.number().int().min(1).max(240).default(30),
      pollMinSeconds: z.number().int().min(1).default(10),
      pollMaxSeconds: z.number().int().min(1).default(60),
    })
    .default({ deadlineMinutes: 30, pollMinSeconds: 10, pollMaxSeconds: 60 }),
  budgetDefaults: BudgetDefaultsSchema.default({
    monthlyLimitUsd: 100,
    thresholds: [50, 80, 100],
    forecastedThreshold: 100,
    emails: [],
  }),
  approvals: z
    .object({
      rules: z.array(ApprovalRuleSchema).default([]),
      /** An undecided request becomes EXPIRED after this many hours. */
      expireAfterHours: z
        .number()
        .positive()
        .max(24 * 90)
        .default(72),
    })
    .default({ rules: [], expireAfterHours: 72 }),
  cleanup: z
    .object({
      schedule: z
        .string()
        .regex(/^(cron|rate|at)\(.+\)$/, "must be an EventBridge Scheduler expression")
        .default("cron(0 0 * * ? *)"),
      timezone: z.string().min(1).default("UTC"),
      /** Regions to clean; empty means the account's enabled regions. */
      regions: z.array(region).default([]),
      maxConcurrency: z.number().int().min(1).max(40).default(10),
      /** Extra protected stack-name patterns (`*` wildcards). */
      protectPatterns: z.array(z.string().min(1)).default([]),
      /** Allow DeleteStack with FORCE_DELETE_STACK after a DELETE_FAILED. */
      allowForceDelete: z.boolean().default(false),
      deadlineMinutes: z.number().int().min(1).default(60),
    })
    .default({
      schedule: "cron(0 0 * * ? *)",
      timezone: "UTC",
      regions: [],
      maxConcurrency: 10,
      protectPatterns: [],
      allowForceDelete: false,
      deadlineMinutes: 60,
    }),
});

export type Config = z.infer<typeof ConfigSchema>;

/** The OUs whose accounts may be closed: `closableOuPaths`, else the sandbox OUs. */
export function closableOus(config: Config): string[] {
  return config.closableOuPaths ?? config.sandboxOuPaths;
}
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Formats zod issues as `field: message` lines, naming every failing field. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}

/** Parses configuration, failing with a message that names each bad field. */
export function parseConfig(input: unknown): Config {
  const result = ConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new ConfigError(`Invalid Quartermaster configuration: ${formatIssues(result.error.issues)}`, {
      cause: result.error,
    });
  }
  return result.data;
}

/** Parses the JSON in `QM_CONFIG` (absent means all defaults). */
export function parseConfigJson(json: string | undefined): Config {
  if (json === undefined || json.trim() === "") return parseConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ConfigError("QM_CONFIG is not valid JSON", { cause: error });
  }
  return parseConfig(raw);
}
