import * as z from "zod";
import { ValidationError } from "../../errors";
import { EmailSchema, findForbiddenKeys, toFieldIssues } from "../../validation";

// The body of `POST /accounts`, persisted whole in the request record (`request`).

// The name becomes a granted profile name pasted into a shell (`assume <name>/<PermissionSet>`):
// only characters no shell reads as syntax, and nothing that starts an option or a path.
const ACCOUNT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]*[A-Za-z0-9])?$/;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const AccountNameSchema = z
  .string()
  .min(1, { error: "must be 1-50 characters", abort: true })
  .max(50, { error: "must be 1-50 characters", abort: true })
  .regex(
    ACCOUNT_NAME,
    "may use letters, digits, space, '.', '_' and '-', and must start and end with a letter or digit",
  );

/** The granted profile name of an account: its name with spaces replaced by `-`. */
export function profileName(accountName: string): string {
  return accountName.replace(/ /g, "-");
}

export const OuRefSchema = z
  .string()
  .min(1, "must be an OU path such as Workloads/Development or an OU id")
  .max(1024)
  .refine(
    (v) => !v.startsWith("/") && !v.endsWith("/") && !v.includes("//"),
    "must be an OU path such as Workloads/Development or an OU id",
  );

export const AccessGrantSchema = z.strictObject({
  group: z.string().min(1).max(1024),
  permissionSets: z.array(z.string().min(1).max(32)).min(1, "must name at least one permission set").max(20),
});

export const TagsSchema = z
  .record(
    z
      .string()
      .min(1, "tag keys must be 1-128 characters")
      .max(128, "tag keys must be 1-128 characters")
      .regex(TAG_CHARS, "tag keys may use letters, numbers, spaces and _.:/=+-@")
      .refine((k) => !k.toLowerCase().startsWith("aws:"), "tag keys must not start with aws:")
      // Quartermaster writes its own quartermaster:* tags (the request id, protection).
      .refine(
        (k) => !k.toLowerCase().startsWith("quartermaster:"),
        "tag keys must not start with quartermaster:",
      ),
    z
      .string()
      .max(256, "tag values must be at most 256 characters")
      .regex(TAG_CHARS, "tag values may use letters, numbers, spaces and _.:/=+-@"),
  )
  .refine((tags) => Object.keys(tags).length <= 40, "at most 40 tags");

/** A request's `budget` field: its limit, thresholds and who is told. */
export const BudgetRequestSchema = z.strictObject({
  monthlyLimitUsd: z.number().positive("must be greater than 0").max(1_000_000_000),
  thresholds: z
    .array(z.number().min(1, "must be 1-1000").max(1000, "must be 1-1000"))
    .min(1)
    .max(10)
    .optional(),
  emails: z.array(EmailSchema).max(10, "at most 10 addresses").optional(),
});
export type BudgetRequest = z.infer<typeof BudgetRequestSchema>;

/** The longest lease: 90 days (2160 hours), ahead of now. */
export const MAX_LEASE_HOURS = 2160;

/** `lease` of `POST /accounts` and the body of `POST /accounts/requests/{id}/lease`: hours, or an end. */
export const LeaseRequestSchema = z
  .strictObject({
    hours: z.number().int("must be a whole number of hours").min(1).max(MAX_LEASE_HOURS).optional(),
    expiresAt: z.iso
      .datetime({ offset: true, error: "must be an ISO 8601 instant, e.g. 2026-12-01T18:00:00Z" })
      .optional(),
  })
  .refine((l) => (l.hours === undefined) !== (l.expiresAt === undefined), {
    error: 'give either "hours" or "expiresAt"',
  });
export type LeaseRequest = z.infer<typeof LeaseRequestSchema>;

/** The body of `POST /accounts`. */
export const VendRequestSchema = z.strictObject({
  name: AccountNameSchema,
  email: EmailSchema,
  /** Absent means the configured `defaultOu`. */
  ou: OuRefSchema.optional(),
  access: z.array(AccessGrantSchema).max(20).optional(),
  budget: BudgetRequestSchema.optional(),
  tags: TagsSchema.optional(),
  /** Only for an OU under the sandbox OUs: the account is closed when the lease ends. */
  lease: LeaseRequestSchema.optional(),
});

/** A validated request; `ou` is always filled in (from `defaultOu` when the body had none). */
export type VendRequest = z.infer<typeof VendRequestSchema> & { ou: string };

export const IdempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 of A-Z a-z 0-9 _ -");

/** Validates a parsed body against the contract, listing every failing field. */
export function parseVendRequest(body: unknown, defaultOu: string): VendRequest {
  const forbidden = findForbiddenKeys(body);
  const result = VendRequestSchema.safeParse(body);
  const issues = [...forbidden, ...(result.success ? [] : toFieldIssues(result.error))];
  if (issues.length > 0 || !result.success) {
    throw new ValidationError("The request is invalid", issues);
  }
  return { ...result.data, ou: result.data.ou ?? defaultOu, email: result.data.email.toLowerCase() };
}
