import * as z from "zod";
import { ConfigError } from "../errors";

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as us-east-1");
const ouPath = z
  .string()
  .min(1)
  .regex(/^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|[^/]+(\/[^/]+)*)$/, "must be an OU path or id");

export const BudgetDefaultsSchema = z.strictObject({
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
export const ApprovalRuleSchema = z.strictObject({
  ous: z.array(ouPath).min(1),
  approvers: z.array(approver).min(1),
});
export type ApprovalRule = z.infer<typeof ApprovalRuleSchema>;

/** The typed configuration shared by stacks, handlers, local mode and tests. */
export const ConfigSchema = z.strictObject({
  /** Where Organizations calls, Identity Center and the project's resources live. */
  homeRegion: region.default("us-east-1"),
  identityCenter: z
    .strictObject({
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
    .strictObject({
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
    .strictObject({
      /** How long names -> ids (OUs, groups, permission sets) and account emails are remembered. */
      ttlSeconds: z.number().int().min(0).max(3600).default(60),
    })
    .default({ ttlSeconds: 60 }),
  creation: z
    .strictObject({
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
    .strictObject({
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
    .strictObject({
      schedule: z
        .string()
        .regex(/^(cron|rate|at)\(.+\)$/, "must be an EventBridge Scheduler expression")
        .default("cron(0 0 * * ? *)"),
      timezone: z.string().min(1).default("UTC"),
      /** Regions to clean; empty means the account's enabled regions. */
      regions: z.array(region).default([]),
      /**
       * Accounts cleaned at once (the fan-out engine's Distributed Map); the stack reserves as much
       * Lambda concurrency for the account task. The default is what the shared limits allow
       * (`fanout/concurrency.ts`); at most 900, what Lambda's default 1,000 leaves unreserved.
       */
      maxConcurrency: z.number().int().min(1).max(900).default(200),
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
      maxConcurrency: 200,
      protectPatterns: [],
      allowForceDelete: false,
      deadlineMinutes: 60,
    }),
  drift: z
    .strictObject({
      /** When the drift check runs (EventBridge Scheduler, in `cleanup.timezone`): daily at 06:00 by default. */
      schedule: z
        .string()
        .regex(/^(cron|rate|at)\(.+\)$/, "must be an EventBridge Scheduler expression")
        .default("cron(0 6 * * ? *)"),
    })
    .default({ schedule: "cron(0 6 * * ? *)" }),
});

export type Config = z.infer<typeof ConfigSchema>;

/** The OUs whose accounts may be closed: `closableOuPaths`, else the sandbox OUs. */
export function closableOus(config: Config): string[] {
  return config.closableOuPaths ?? config.sandboxOuPaths;
}
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Edit distance between two keys (a typo is one or two edits away from the key it meant). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const next = [i];
    for (let j = 1; j <= b.length; j += 1)
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
      );
    row = next;
  }
  return row[b.length] ?? 0;
}

/** The object schema at `path` inside `schema` (through defaults, optionals and arrays), if there is one. */
function objectAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodObject | undefined {
  let current: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType | undefined): z.ZodType | undefined => {
    let inner = s;
    while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional)
      inner = inner.unwrap() as z.ZodType;
    return inner;
  };
  for (const key of path) {
    current = unwrap(current);
    if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodObject) current = current.shape[String(key)] as z.ZodType | undefined;
    else return undefined;
  }
  current = unwrap(current);
  return current instanceof z.ZodObject ? current : undefined;
}

/**
 * Each unknown key of an `unrecognized_keys` issue, with its path and `unknown key; did you mean
 * "approvals"?` (the nearest key the schema knows at that level), or the known keys.
 */
export function unknownKeyIssues(
  schema: z.ZodType,
  issue: z.core.$ZodIssueUnrecognizedKeys,
): { path: PropertyKey[]; message: string }[] {
  const known = Object.keys(objectAt(schema, issue.path)?.shape ?? {});
  return issue.keys.map((key) => {
    const nearest = known
      .map((k) => ({ k, d: distance(key, k) }))
      .sort((a, b) => a.d - b.d)
      .find((c) => c.d <= Math.max(2, Math.floor(key.length / 3)));
    return {
      path: [...issue.path, key],
      message: `unknown key${nearest ? `; did you mean "${nearest.k}"?` : ` (known: ${known.join(", ")})`}`,
    };
  });
}

function unknownKeys(schema: z.ZodType, issue: z.core.$ZodIssueUnrecognizedKeys): string[] {
  return unknownKeyIssues(schema, issue).map((i) => `${i.path.join(".")}: ${i.message}`);
}

/**
 * Formats zod issues as `field: message` lines, naming every failing field; an unknown key (a typo that
 * would otherwise be ignored) names the nearest key `schema` knows there.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], schema?: z.ZodType): string {
  return issues
    .flatMap((i) =>
      i.code === "unrecognized_keys" && schema
        ? unknownKeys(schema, i)
        : [`${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`],
    )
    .join("; ");
}

/** Parses configuration, failing with a message that names each bad field. */
export function parseConfig(input: unknown): Config {
  const result = ConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new ConfigError(
      `Invalid Quartermaster configuration: ${formatIssues(result.error.issues, ConfigSchema)}`,
      {
        cause: result.error,
      },
    );
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
