/**
 * The AWS config file's INI dialect, as the AWS CLI and granted read it: `[profile NAME]` (or
 * `[default]`, `[sso-session NAME]`, ...) headers, `key = value` lines, `#` and `;` comments, and
 * indented lines continuing a nested key (`s3 =` then `  max_concurrent_requests = 20`).
 */
export interface IniSection {
  /** The header's text between the brackets, trimmed: `profile dev/ReadOnly`, `default`. */
  header: string;
  /** The profile name for `[profile NAME]` and `[default]`; undefined for other kinds of section. */
  profile?: string;
  /** Keys in file order; a nested key's value is its indented lines, joined with `\n`. */
  values: Record<string, string>;
  /** Index of the header line, and of the line after the section's last line. */
  start: number;
  end: number;
}

export interface ParsedIni {
  lines: string[];
  sections: IniSection[];
}

/** Splits text into lines without their line ends (`\r\n` or `\n`). */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

const HEADER = /^\s*\[([^\]]*)\]\s*(?:[#;].*)?$/;
const ENTRY = /^([^=\s][^=]*?)\s*=\s*(.*)$/;

function profileOf(header: string): string | undefined {
  if (header === "default") return "default";
  const match = /^profile\s+(.+)$/.exec(header);
  return match?.[1]?.trim();
}

/** Parses an AWS config file. Lines before the first header belong to no section. */
export function parseIni(text: string): ParsedIni {
  const lines = splitLines(text);
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  let nested: string | undefined;
  for (const [i, line] of lines.entries()) {
    const header = HEADER.exec(line);
    if (header) {
      if (current) current.end = i;
      const name = (header[1] ?? "").trim();
      current = { header: name, values: {}, start: i, end: lines.length };
      const profile = profileOf(name);
      if (profile !== undefined) current.profile = profile;
      sections.push(current);
      nested = undefined;
      continue;
    }
    const trimmed = line.trim();
    if (!current || trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    if (/^\s/.test(line) && nested !== undefined) {
      const before = current.values[nested] ?? "";
      current.values[nested] = before ? `${before}\n${trimmed}` : trimmed;
      continue;
    }
    const entry = ENTRY.exec(trimmed);
    if (!entry) continue;
    const key = (entry[1] ?? "").trim();
    current.values[key] = entry[2] ?? "";
    nested = entry[2] === "" ? key : undefined;
  }
  return { lines, sections };
}

/** Renders one `[profile NAME]` section with its keys aligned, as `granted sso populate` writes them. */
export function renderProfile(name: string, values: [string, string][]): string {
  const width = Math.max(...values.map(([key]) => key.length));
  return [`[profile ${name}]`, ...values.map(([key, value]) => `${key.padEnd(width)} = ${value}`)].join("\n");
}
