import { parseArgs } from "node:util";
import type { FieldIssue } from "../errors";

/**
 * The flags of `qm vend` and of Slack's `/vend`, one parser for both:
 * `--name N --email E [--ou PATH] [--access GROUP=PS1,PS2]... [--budget USD] [--tag k=v]... [--lease-hours H]`.
 */
export const VEND_FLAGS = {
  name: { type: "string" },
  email: { type: "string" },
  ou: { type: "string" },
  access: { type: "string", multiple: true },
  budget: { type: "string" },
  tag: { type: "string", multiple: true },
  "lease-hours": { type: "string" },
} as const;

/** The parsed values of VEND_FLAGS, as `util.parseArgs` returns them. */
export interface VendFlagValues {
  name?: string;
  email?: string;
  ou?: string;
  access?: string[];
  budget?: string;
  tag?: string[];
  "lease-hours"?: string;
}

function pair(value: string, flag: string, issues: FieldIssue[]): [string, string] | undefined {
  const i = value.indexOf("=");
  if (i > 0) return [value.slice(0, i), value.slice(i + 1)];
  issues.push({
    path: `--${flag}`,
    message: `takes ${flag === "tag" ? "KEY=VALUE" : "GROUP=PS1,PS2"}, got "${value}"`,
  });
  return undefined;
}

function number(value: string | undefined, flag: string, issues: FieldIssue[]): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() !== "" && Number.isFinite(n)) return n;
  issues.push({ path: `--${flag}`, message: `takes a number, got "${value}"` });
  return undefined;
}

/**
 * The `POST /accounts` body the flags describe, and every flag problem found (all of them, not the
 * first). The body's own rules (name, email, OU...) are the API's to check, as for any request.
 */
export function vendBodyFromFlags(values: VendFlagValues): {
  body: Record<string, unknown>;
  issues: FieldIssue[];
} {
  const issues: FieldIssue[] = [];
  for (const flag of ["name", "email"] as const)
    if (!values[flag]) issues.push({ path: `--${flag}`, message: "is required" });
  const access = (values.access ?? []).flatMap((a) => {
    const parsed = pair(a, "access", issues);
    return parsed ? [{ group: parsed[0], permissionSets: parsed[1].split(",").filter(Boolean) }] : [];
  });
  const tags = (values.tag ?? []).flatMap((t) => {
    const parsed = pair(t, "tag", issues);
    return parsed ? [parsed] : [];
  });
  const budget = number(values.budget, "budget", issues);
  const leaseHours = number(values["lease-hours"], "lease-hours", issues);
  const body = {
    name: values.name,
    email: values.email,
    ...(values.ou ? { ou: values.ou } : {}),
    ...(access.length ? { access } : {}),
    ...(budget !== undefined ? { budget: { monthlyLimitUsd: budget } } : {}),
    ...(tags.length ? { tags: Object.fromEntries(tags) } : {}),
    ...(leaseHours !== undefined ? { lease: { hours: leaseHours } } : {}),
  };
  return { body, issues };
}

/** Slack's rendering of typed text undone: `<mailto:a@b.c|a@b.c>` and `<https://x|x>` become what was typed. */
function unwrapSlackFormatting(text: string): string {
  return text
    .replace(/<(?:mailto:|https?:\/\/)[^|>]*\|([^>]*)>/g, "$1")
    .replace(/<((?:mailto:|https?:\/\/)[^>]*)>/g, (_, inner: string) => inner.replace(/^mailto:/, ""))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/**
 * Splits a slash command's text into arguments as a shell would for these flags: whitespace separates,
 * straight or typographic quotes group (`--name "team sandbox"`). An unclosed quote is an issue.
 */
export function splitCommandText(text: string): { args: string[]; issues: FieldIssue[] } {
  const args: string[] = [];
  const source = unwrapSlackFormatting(text)
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2018\u2019]/g, "'");
  let current: string | undefined;
  let quote: string | undefined;
  for (const ch of source) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current ??= "";
    } else if (/\s/.test(ch)) {
      if (current !== undefined) args.push(current);
      current = undefined;
    } else {
      current = (current ?? "") + ch;
    }
  }
  if (current !== undefined) args.push(current);
  return { args, issues: quote ? [{ path: "(text)", message: `an opening ${quote} is never closed` }] : [] };
}

/** Parses `/vend` text into a `POST /accounts` body, or lists every problem with it. */
export function parseVendCommand(text: string): { body: Record<string, unknown>; issues: FieldIssue[] } {
  const split = splitCommandText(text);
  if (split.issues.length) return { body: {}, issues: split.issues };
  let values: VendFlagValues;
  try {
    const parsed = parseArgs({
      args: split.args,
      options: VEND_FLAGS,
      allowPositionals: false,
      strict: true,
    });
    values = parsed.values;
  } catch (error) {
    return { body: {}, issues: [{ path: "(text)", message: (error as Error).message }] };
  }
  return vendBodyFromFlags(values);
}
