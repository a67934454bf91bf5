import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** Milliseconds to import a bundle in a fresh `node` process: what a cold start spends before any work. */
async function importMs(file: string): Promise<number> {
  const { stdout } = await exec(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      "const t = performance.now(); await import(process.env.QM_BENCH_BUNDLE); process.stdout.write(String(performance.now() - t));",
    ],
    {
      env: {
        ...process.env,
        QM_BENCH_BUNDLE: pathToFileURL(file).href,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    },
  );
  return Number(stdout);
}

/**
 * Every function's deployed bundle, as `sst deploy` builds it (the offline synth builds the same
 * artifacts: minified, this project's esbuild options and plugin), its size, and the median time to
 * import it in a fresh `node` process over `runs` processes. Functions sharing an entry point (one per
 * workflow task) share its bundle, so each entry point is one row.
 */
export async function benchBundles(runs: number) {
  const started = Date.now();
  const out = mkdtempSync(join(tmpdir(), "qm-bench-synth-"));
  await exec("npm", ["run", "--silent", "synth", "--", out], { timeout: 600_000 });
  const artifacts = readdirSync(".sst/artifacts", { recursive: true, encoding: "utf8" })
    .filter((f) => /packages\/functions\/src\/[a-z-]+\.mjs$/.test(f))
    .map((f) => join(".sst/artifacts", f))
    .filter((f) => statSync(f).mtimeMs >= started);
  const byEntry = new Map<string, string>();
  for (const file of artifacts) byEntry.set(file.replace(/^.*\/([a-z-]+)\.mjs$/, "$1"), file);
  const functions = [];
  for (const [entry, file] of [...byEntry].sort(([a], [b]) => a.localeCompare(b))) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await importMs(file));
    functions.push({
      entry,
      kb: Math.round(statSync(file).size / 1024),
      importMs: Math.round(median(times)),
    });
  }
  return {
    functions,
    maxKb: Math.max(...functions.map((f) => f.kb)),
    medianKb: Math.round(median(functions.map((f) => f.kb))),
    medianImportMs: Math.round(median(functions.map((f) => f.importMs))),
  };
}
