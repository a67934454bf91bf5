import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type IniSection, parseIni, splitLines } from "@quartermaster/core/profiles/ini";

export const BEGIN = "# BEGIN quartermaster profiles";
export const END = "# END quartermaster profiles";
const NOTE =
  "# Written by `qm profiles --write`: everything between these two lines is replaced on every run.";

/** The file cannot be updated safely (two blocks, a block without its end): nothing is written. */
export class ProfilesFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProfilesFileError";
  }
}

export interface ProfileChanges {
  added: string[];
  removed: string[];
  updated: string[];
}

export interface BlockUpdate extends ProfileChanges {
  text: string;
  changed: boolean;
  /** Profiles the API named that the file defines outside the block: left as the user wrote them. */
  kept: string[];
  written: number;
}

const lineOf = (marker: string) => new RegExp(`^${marker}[ \\t]*(\\r?\\n|$)`, "gm");

/** A section's own lines (trailing blank lines and comments left out), joined with `eol`. */
function sectionText(lines: string[], section: IniSection, eol: string): string {
  const own = lines.slice(section.start, section.end);
  while (own.length && /^\s*([#;].*)?$/.test(own.at(-1) ?? "")) own.pop();
  return own.join(eol);
}

/** The `[profile NAME]` sections of a config text: name -> its keys and values (to compare two texts). */
export function profilesOf(text: string): Map<string, string> {
  const parsed = parseIni(text);
  return new Map(
    parsed.sections.flatMap((s) =>
      s.profile === undefined ? [] : [[s.profile, JSON.stringify(Object.entries(s.values))] as const],
    ),
  );
}

/** What differs between two sets of profiles (name -> content), by name. */
export function compareProfiles(before: Map<string, string>, after: Map<string, string>): ProfileChanges {
  const sorted = (names: Iterable<string>) => [...names].sort();
  return {
    added: sorted([...after.keys()].filter((n) => !before.has(n))),
    removed: sorted([...before.keys()].filter((n) => !after.has(n))),
    updated: sorted([...after.keys()].filter((n) => before.has(n) && before.get(n) !== after.get(n))),
  };
}

/**
 * The config file with its Quartermaster block holding `fragment` (the INI of `GET /profiles`):
 * only the lines between the markers change, every other byte is kept (line ends included: the block
 * is written with the file's own), and the block is appended when the file has none.
 */
export function replaceProfilesBlock(file: string, fragment: string): BlockUpdate {
  const begins = [...file.matchAll(lineOf(BEGIN))];
  const ends = [...file.matchAll(lineOf(END))];
  if (begins.length > 1 || ends.length > 1)
    throw new ProfilesFileError(`the file has ${begins.length} "${BEGIN}" and ${ends.length} "${END}" lines`);
  const begin = begins[0];
  const end = ends[0];
  if ((begin === undefined) !== (end === undefined) || (begin && end && end.index < begin.index))
    throw new ProfilesFileError(`the file's "${BEGIN}" and "${END}" lines do not make one block`);
  const eol = file.includes("\r\n") ? "\r\n" : "\n";

  const before = begin ? file.slice(0, begin.index) : file;
  const after = end ? file.slice(end.index + end[0].length) : "";
  const oldBlock = begin && end ? file.slice(begin.index, end.index) : "";
  const outside = profilesOf(before + after);

  const incoming = parseIni(fragment);
  const kept: string[] = [];
  const sections: string[] = [];
  for (const section of incoming.sections) {
    if (section.profile === undefined) continue;
    if (outside.has(section.profile)) kept.push(section.profile);
    else sections.push(sectionText(incoming.lines, section, eol));
  }
  const blockLines = [BEGIN, NOTE, ...sections.flatMap((s) => ["", ...splitLines(s)]), END];
  // The end marker keeps the line end it had (none, when it was the file's last line without one).
  const block = blockLines.join(eol) + (end && end[1] === "" ? "" : eol);

  let text: string;
  if (begin) text = before + block + after;
  else {
    const separator = file === "" ? "" : (file.endsWith("\n") ? "" : eol) + eol;
    text = file + separator + block;
  }
  const changes = compareProfiles(profilesOf(oldBlock), profilesOf(block));
  return { text, changed: text !== file, kept, written: sections.length, ...changes };
}

/** Reads a file, or undefined when it does not exist yet. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Replaces a file atomically: the new text goes to a temporary file beside it (with the old file's
 * mode), the old file is copied to `<file>.qm-backup`, then the temporary file is renamed over it.
 * Returns the backup's path, when there was a file to back up.
 */
export async function writeAtomically(path: string, text: string): Promise<string | undefined> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const mode = await stat(path).then(
    (s) => s.mode & 0o777,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    },
  );
  const temporary = `${path}.qm-${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, text, { mode: mode ?? 0o600 });
  try {
    let backup: string | undefined;
    if (mode !== undefined) {
      backup = `${path}.qm-backup`;
      await copyFile(path, backup);
    }
    await rename(temporary, path);
    return backup;
  } catch (error) {
    // The failure that matters is the one rethrown; a temporary file that cannot be removed is only litter.
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
