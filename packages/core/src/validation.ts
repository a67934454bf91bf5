import * as z from "zod";
import type { FieldIssue } from "./errors";

// AWS Organizations' CreateAccount email rules, plus a dotted domain.
const EMAIL = /^[^\s"'()<>[\]:;,\\|%&@]+@[^\s"'()<>[\]:;,\\|%&@]+\.[^\s"'()<>[\]:;,\\|%&@.]+$/;

/** An email address as AWS Organizations accepts it (accounts, budget subscribers). */
export const EmailSchema = z
  .string()
  .min(6, { error: "must be 6-64 characters", abort: true })
  .max(64, { error: "must be 6-64 characters", abort: true })
  .regex(EMAIL, "must be one address with a dotted domain, without whitespace or \"'()<>[]:;,\\|%&");

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Lists every `__proto__`/`constructor`/`prototype` key anywhere in a parsed JSON value. */
export function findForbiddenKeys(value: unknown, path: string[] = []): FieldIssue[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => findForbiddenKeys(v, [...path, String(i)]));
  if (value === null || typeof value !== "object") return [];
  return Object.keys(value).flatMap((key) => {
    const here = [...path, key];
    const own = FORBIDDEN_KEYS.has(key)
      ? [{ path: here.join("."), message: `key "${key}" is not allowed` }]
      : [];
    return [...own, ...findForbiddenKeys((value as Record<string, unknown>)[key], here)];
  });
}

/** Converts zod issues into the API's field-level details. */
export function toFieldIssues(error: z.ZodError, root = "(body)"): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || root,
    message:
      issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message,
  }));
}

/**
 * Whether a string can be a request or run id at all: ids are execution names (Step Functions
 * allows 1-80 of these characters), so anything else is answered 404 without a store read.
 */
export function isPossibleId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,80}$/.test(id);
}

/** Text cut to at most `max` characters, with `…` where it was cut. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An id for a message: quoted and cut short, whatever a client sent. */
export function quoteId(id: string): string {
  return JSON.stringify(id.length > 80 ? truncate(id, 81) : id);
}
