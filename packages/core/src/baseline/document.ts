import * as z from "zod";
import { unknownKeyIssues } from "../config/config";
import type { FieldIssue } from "../errors";

/** AWS's limits a document is held to before anything is read from AWS. */
export const BASELINE_LIMITS = {
  /** Service control policy document, in characters (Organizations counts them as sent: minified here). */
  scpCharacters: 5120,
  /** SCPs attached to one root, OU or account, FullAWSAccess included. */
  scpsPerTarget: 5,
  /** A permission set's inline policy, in characters. */
  inlinePolicyCharacters: 32_768,
  /** AWS managed policies attached to one permission set (and, separately, customer managed references). */
  managedPoliciesPerPermissionSet: 20,
  /** The whole document, as JSON: it is kept on one table item. */
  documentBytes: 256 * 1024,
} as const;

const SESSION = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/;

/** Seconds of an ISO 8601 duration of hours, minutes and seconds (`PT4H`, `PT1H30M`); undefined otherwise. */
export function durationSeconds(duration: string): number | undefined {
  const match = SESSION.exec(duration);
  if (!match || duration === "PT") return undefined;
  const [, h, m, s] = match;
  return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

const SessionDurationSchema = z.string().refine(
  (value) => {
    const seconds = durationSeconds(value);
    return seconds !== undefined && seconds >= 3600 && seconds <= 43_200;
  },
  { error: "must be an ISO 8601 duration from PT1H to PT12H (PT4H, PT1H30M)" },
);

const OuPathSchema = z
  .string()
  .regex(/^[^/\s][^/]{0,127}(\/[^/\s][^/]{0,127})*$/, {
    error: "must be an OU path like Workloads/QA (names of 1-128 characters, separated by /)",
    abort: true,
  })
  .refine((path) => !path.split("/").some((name) => name !== name.trim()), {
    error: "OU names do not start or end with spaces",
  });
const AccountIdSchema = z.string().regex(/^\d{12}$/, { error: "must be a 12-digit account id" });
const PolicyPathSchema = z
  .string()
  .max(512)
  .regex(/^\/(?:[\w+=,.@-]+\/)*$/, { error: "must be a path like / or /teams/ (IAM path rules)" });
const CustomerPolicySchema = z.strictObject({
  name: z
    .string()
    .regex(/^[\w+=,.@-]{1,128}$/, { error: "must be an IAM policy name (1-128 of A-Za-z0-9+=,.@_-)" }),
  path: PolicyPathSchema.default("/"),
});
const ManagedPolicyArnSchema = z.string().regex(/^arn:aws[a-z-]*:iam::aws:policy\/[\w+=,.@/-]+$/, {
  error: "must be the ARN of an AWS managed policy (arn:aws:iam::aws:policy/...)",
});

/** An IAM policy document: an object with Version and a Statement of Allow/Deny entries. */
function policySchema(limit: number, what: string) {
  return z.record(z.string(), z.unknown()).superRefine((doc, ctx) => {
    if (doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17")
      ctx.addIssue({ code: "custom", path: ["Version"], message: 'must be "2012-10-17"' });
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    if (doc.Statement === undefined || statements.length === 0)
      ctx.addIssue({ code: "custom", path: ["Statement"], message: "must hold at least one statement" });
    else
      statements.forEach((statement, i) => {
        const effect = (statement as { Effect?: unknown } | null)?.Effect;
        if (effect !== "Allow" && effect !== "Deny")
          ctx.addIssue({
            code: "custom",
            path: Array.isArray(doc.Statement) ? ["Statement", i, "Effect"] : ["Statement", "Effect"],
            message: 'must be "Allow" or "Deny"',
          });
      });
    const size = JSON.stringify(doc).length;
    if (size > limit)
      ctx.addIssue({
        code: "custom",
        message: `is ${size} characters as JSON; ${what} hold at most ${limit}`,
      });
  });
}

const ScpSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[^\s][\s\S]{0,127}$/, { error: "must be 1-128 characters, not starting with a space" }),
  description: z.string().max(512).optional(),
  document: policySchema(BASELINE_LIMITS.scpCharacters, "service control policies"),
  /** OU paths, `Root`, or account ids. */
  targets: z.array(z.union([z.literal("Root"), AccountIdSchema, OuPathSchema])).default([]),
});

const GroupSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(1024)
    .refine((name) => name === name.trim(), { error: "does not start or end with spaces" }),
  description: z.string().max(1024).optional(),
  /** Identity Center user names; absent: membership is not managed (groups from an external IdP). */
  members: z.array(z.string().min(1).max(128)).optional(),
});

const PermissionSetSchema = z.strictObject({
  name: z.string().regex(/^[\w+=,.@-]{1,32}$/, { error: "must be 1-32 of A-Za-z0-9+=,.@_-" }),
  description: z.string().min(1).max(700).optional(),
  sessionDuration: SessionDurationSchema.default("PT1H"),
  relayState: z
    .string()
    .max(240)
    .regex(/^https:\/\/\S+$/, { error: "must be an https URL of at most 240 characters" })
    .optional(),
  managedPolicies: z
    .array(ManagedPolicyArnSchema)
    .max(BASELINE_LIMITS.managedPoliciesPerPermissionSet)
    .default([]),
  customerManagedPolicies: z
    .array(CustomerPolicySchema)
    .max(BASELINE_LIMITS.managedPoliciesPerPermissionSet)
    .default([]),
  inlinePolicy: policySchema(BASELINE_LIMITS.inlinePolicyCharacters, "inline policies").optional(),
  permissionsBoundary: z
    .union([
      z.strictObject({ managedPolicyArn: ManagedPolicyArnSchema }),
      z.strictObject({ customerManagedPolicy: CustomerPolicySchema }),
    ])
    .optional(),
});

const AssignmentSchema = z.strictObject({
  group: z.string().min(1),
  permissionSets: z.array(z.string().min(1)).min(1),
  ous: z.array(OuPathSchema).default([]),
  accounts: z.array(AccountIdSchema).default([]),
});

export const BaselineSchema = z.strictObject({
  version: z.literal(1, { error: "must be 1" }),
  organizationalUnits: z.array(OuPathSchema).optional(),
  serviceControlPolicies: z.array(ScpSchema).optional(),
  groups: z.array(GroupSchema).optional(),
  permissionSets: z.array(PermissionSetSchema).optional(),
  assignments: z.array(AssignmentSchema).optional(),
});

/** A baseline document with its defaults filled in. */
export type Baseline = z.infer<typeof BaselineSchema>;
export type BaselineInput = z.input<typeof BaselineSchema>;
export type PermissionSetSpec = NonNullable<Baseline["permissionSets"]>[number];
export type ScpSpec = NonNullable<Baseline["serviceControlPolicies"]>[number];
export type GroupSpec = NonNullable<Baseline["groups"]>[number];
export type AssignmentSpec = NonNullable<Baseline["assignments"]>[number];

/** Every OU path a document declares, with the paths above each (Workloads/QA declares Workloads). */
export function declaredOuPaths(doc: Baseline): Set<string> {
  const paths = new Set<string>();
  for (const path of doc.organizationalUnits ?? []) {
    const names = path.split("/");
    for (let i = 1; i <= names.length; i++) paths.add(names.slice(0, i).join("/"));
  }
  return paths;
}

/** Each value of a list that appears twice, with the index of its second appearance. */
function duplicates<T>(items: readonly T[], keyOf: (item: T) => string): { index: number; key: string }[] {
  const seen = new Set<string>();
  const found: { index: number; key: string }[] = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    if (seen.has(key)) found.push({ index, key });
    seen.add(key);
  });
  return found;
}

/** What a parsed document breaks beyond each field's own rules: duplicates, references, per-target quotas. */
function crossChecks(doc: Baseline, at: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const dup = (list: string, items: readonly unknown[], keyOf: (item: never) => string, what: string) => {
    for (const { index, key } of duplicates(items as never[], keyOf))
      issues.push({ path: `${at}.${list}[${index}]`, message: `${what} "${key}" appears twice` });
  };
  dup("organizationalUnits", doc.organizationalUnits ?? [], (p: string) => p, "the OU");
  dup("serviceControlPolicies", doc.serviceControlPolicies ?? [], (p: ScpSpec) => p.name, "the policy");
  dup("groups", doc.groups ?? [], (g: GroupSpec) => g.name, "the group");
  dup(
    "permissionSets",
    doc.permissionSets ?? [],
    (p: PermissionSetSpec) => p.name.toLowerCase(),
    "the permission set",
  );
  const ous = doc.organizationalUnits ? declaredOuPaths(doc) : undefined;
  const perTarget = new Map<string, number>();
  doc.serviceControlPolicies?.forEach((scp, i) => {
    dup(`serviceControlPolicies[${i}].targets`, scp.targets, (t: string) => t, "the target");
    scp.targets.forEach((target, j) => {
      perTarget.set(target, (perTarget.get(target) ?? 0) + 1);
      if (ous && target !== "Root" && !/^\d{12}$/.test(target) && !ous.has(target))
        issues.push({
          path: `${at}.serviceControlPolicies[${i}].targets[${j}]`,
          message: `the OU "${target}" is not in organizationalUnits`,
        });
      if (perTarget.get(target) === BASELINE_LIMITS.scpsPerTarget)
        issues.push({
          path: `${at}.serviceControlPolicies[${i}].targets[${j}]`,
          message: `"${target}" would hold more than ${BASELINE_LIMITS.scpsPerTarget} SCPs with FullAWSAccess (AWS's quota per target)`,
        });
    });
  });
  doc.groups?.forEach((group, i) => {
    if (group.members) dup(`groups[${i}].members`, group.members, (m: string) => m, "the member");
  });
  const groups = new Set((doc.groups ?? []).map((g) => g.name));
  const sets = new Set((doc.permissionSets ?? []).map((p) => p.name));
  const pairs = new Set<string>();
  doc.assignments?.forEach((assignment, i) => {
    const here = `${at}.assignments[${i}]`;
    if (!groups.has(assignment.group))
      issues.push({ path: `${here}.group`, message: `the group "${assignment.group}" is not in groups` });
    assignment.permissionSets.forEach((name, j) => {
      if (!sets.has(name))
        issues.push({
          path: `${here}.permissionSets[${j}]`,
          message: `the permission set "${name}" is not in permissionSets`,
        });
    });
    dup(
      `assignments[${i}].permissionSets`,
      assignment.permissionSets,
      (p: string) => p,
      "the permission set",
    );
    dup(`assignments[${i}].ous`, assignment.ous, (p: string) => p, "the OU");
    dup(`assignments[${i}].accounts`, assignment.accounts, (p: string) => p, "the account");
    if (assignment.ous.length === 0 && assignment.accounts.length === 0)
      issues.push({ path: here, message: "names no ous and no accounts" });
    assignment.ous.forEach((ou, j) => {
      if (ous && !ous.has(ou))
        issues.push({ path: `${here}.ous[${j}]`, message: `the OU "${ou}" is not in organizationalUnits` });
    });
    for (const name of assignment.permissionSets) {
      const pair = `${assignment.group}/${name}`;
      if (pairs.has(pair))
        issues.push({
          path: here,
          message: `${pair} is assigned by an earlier entry too: give it one entry with every OU and account`,
        });
      pairs.add(pair);
    }
  });
  return issues;
}

/**
 * Validates a baseline document without reading AWS: every invalid field with its path under `at`
 * (`baseline.permissionSets[1].sessionDuration`), an unknown key with the nearest known one.
 */
export function validateBaseline(
  input: unknown,
  at = "baseline",
): { ok: true; baseline: Baseline } | { ok: false; issues: FieldIssue[] } {
  const size = JSON.stringify(input ?? null).length;
  if (size > BASELINE_LIMITS.documentBytes)
    return {
      ok: false,
      issues: [
        {
          path: at,
          message: `is ${size} bytes as JSON; a baseline holds at most ${BASELINE_LIMITS.documentBytes}`,
        },
      ],
    };
  const parsed = BaselineSchema.safeParse(input);
  const pathOf = (path: readonly PropertyKey[]) =>
    path.reduce<string>((p, k) => (typeof k === "number" ? `${p}[${k}]` : `${p}.${String(k)}`), at);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.flatMap((issue) =>
        issue.code === "unrecognized_keys"
          ? unknownKeyIssues(BaselineSchema, issue).map((u) => ({ path: pathOf(u.path), message: u.message }))
          : [{ path: pathOf(issue.path), message: issue.message }],
      ),
    };
  }
  const issues = crossChecks(parsed.data, at);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, baseline: parsed.data };
}
