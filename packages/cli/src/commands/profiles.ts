import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { ProfilesView } from "@quartermaster/core/contract";
import YAML from "yaml";
import { UsageError } from "../client";
import {
  compareProfiles,
  type ProfileChanges,
  ProfilesFileError,
  profilesOf,
  readIfExists,
  replaceProfilesBlock,
  writeAtomically,
} from "../profiles-file";
import { clientFor, type Io, parse } from "../shared";

/** The registry's config file, as its granted.yml names it. */
const REGISTRY_CONFIG = "./config";

/** `--write` takes an optional FILE: `--write`, `--write FILE` and `--write=FILE` are all accepted. */
function splitWrite(args: string[]): { rest: string[]; write?: { file?: string } } {
  const rest: string[] = [];
  let write: { file?: string } | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg.startsWith("--write=")) write = { file: arg.slice("--write=".length) };
    else if (arg === "--write") {
      const next = args[i + 1];
      write = next !== undefined && !next.startsWith("-") ? { file: next } : {};
      if (write.file !== undefined) i++;
    } else rest.push(arg);
  }
  return write ? { rest, write } : { rest };
}

/** Where the AWS CLI and granted read profiles: AWS_CONFIG_FILE, else ~/.aws/config. */
function defaultConfigFile(io: Io): string {
  return io.env.AWS_CONFIG_FILE ?? join(io.env.HOME ?? homedir(), ".aws", "config");
}

function changeLines(changes: ProfileChanges): string[] {
  return [
    ...changes.added.map((n) => `  + ${n}`),
    ...changes.updated.map((n) => `  ~ ${n}`),
    ...changes.removed.map((n) => `  - ${n}`),
  ];
}

async function writeConfig(io: Io, file: string, fragment: string): Promise<number> {
  const existing = (await readIfExists(file)) ?? "";
  let update: ReturnType<typeof replaceProfilesBlock>;
  try {
    update = replaceProfilesBlock(existing, fragment);
  } catch (error) {
    if (!(error instanceof ProfilesFileError)) throw error;
    io.err(`qm: ${file}: ${error.message}; nothing was written. Mend the markers by hand, then run again.`);
    return 1;
  }
  for (const name of update.kept)
    io.err(
      `qm: kept yours: [profile ${name}] is defined outside the Quartermaster block in ${file}; not written`,
    );
  if (!update.changed) {
    io.out(`${file}: no changes (${update.written} profile(s))`);
    return 0;
  }
  const backup = await writeAtomically(file, update.text);
  io.out(
    [
      ...changeLines(update),
      `${file}: wrote ${update.written} profile(s): ${update.added.length} added, ${update.updated.length} updated, ${update.removed.length} removed${backup ? ` (the file before: ${backup})` : ""}`,
    ].join("\n"),
  );
  return 0;
}

/** A granted profile registry: granted.yml naming ./config, and ./config holding every profile. */
async function writeRegistry(io: Io, dir: string, fragment: string): Promise<number> {
  const manifestPath = join(dir, "granted.yml");
  const manifestText = await readIfExists(manifestPath);
  const manifest = (manifestText ? YAML.parse(manifestText) : {}) as { awsConfig?: unknown };
  const listed = Array.isArray(manifest.awsConfig) ? manifest.awsConfig : [];
  if (!listed.some((p) => p === REGISTRY_CONFIG || p === "config")) {
    manifest.awsConfig = [...listed, REGISTRY_CONFIG];
    await writeAtomically(manifestPath, YAML.stringify(manifest));
    io.out(`${manifestPath}: lists ${REGISTRY_CONFIG}`);
  }
  const configPath = join(dir, "config");
  const text = `# Written by \`qm profiles --registry\`: every profile Quartermaster hands out; replaced on every run.\n\n${fragment}`;
  const before = (await readIfExists(configPath)) ?? "";
  const changes = compareProfiles(profilesOf(before), profilesOf(text));
  if (before === text) {
    io.out(`${configPath}: no changes`);
    return 0;
  }
  await writeAtomically(configPath, text);
  io.out(
    [
      ...changeLines(changes),
      `${configPath}: ${changes.added.length} added, ${changes.updated.length} updated, ${changes.removed.length} removed. Commit the directory; users add it with: granted registry add -n quartermaster -u <repository URL>`,
    ].join("\n"),
  );
  return 0;
}

/**
 * `qm profiles`: the granted profiles of every vended account (INI on stdout, or `--json`); `--write`
 * puts them in the AWS config file's Quartermaster block; `--registry DIR` writes a profile registry.
 */
export async function profiles(args: string[], io: Io): Promise<number> {
  const { rest, write } = splitWrite(args);
  const { values, positionals } = parse(rest, {
    prefix: { type: "string" },
    mine: { type: "boolean" },
    registry: { type: "string" },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (write && values.registry)
    throw new UsageError("--write and --registry write different files: pick one");
  if (values.json && (write || values.registry)) throw new UsageError("--json only prints");
  const query = new URLSearchParams();
  if (values.json) query.set("format", "json");
  if (values.prefix !== undefined) query.set("prefix", values.prefix);
  if (values.mine) query.set("mine", "true");
  const path = `/profiles${query.size ? `?${query}` : ""}`;
  const client = clientFor(io, values.api);
  if (values.json) {
    io.out(JSON.stringify(await client.request<ProfilesView>("GET", path), null, 2));
    return 0;
  }
  const fragment = await client.request<string>("GET", path, undefined, {}, { text: true });
  if (write) return writeConfig(io, resolve(io.cwd, write.file ?? defaultConfigFile(io)), fragment);
  if (values.registry) return writeRegistry(io, resolve(io.cwd, values.registry), fragment);
  io.out(fragment.trimEnd());
  return 0;
}
