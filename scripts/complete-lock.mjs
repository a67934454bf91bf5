#!/usr/bin/env node
// The npm registry this project's machines reach serves only some platform builds of packages
// like @biomejs/cli-* and @rollup/rollup-*. `npm install` then writes a lock without the other
// platforms' optional packages, and `npm ci` refuses that lock as out of sync. This adds each
// missing optional package as an os/cpu-restricted stub, which npm ci skips on other platforms
// without fetching it. Run it after changing dependencies: `node scripts/complete-lock.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const OS = [
  "android",
  "darwin",
  "freebsd",
  "linux",
  "openbsd",
  "openharmony",
  "win32",
  "netbsd",
  "sunos",
  "aix",
];
const CPU = [
  ["arm64", "arm64"],
  ["x64", "x64"],
  ["ia32", "ia32"],
  ["arm-", "arm"],
  ["loong64", "loong64"],
  ["ppc64", "ppc64"],
  ["riscv64", "riscv64"],
  ["s390x", "s390x"],
];

function platformOf(name) {
  const base = name.split("/").pop();
  const os = OS.find((o) => base.includes(`-${o}-`) || base.startsWith(`${o}-`));
  const cpu = CPU.find(([marker]) => `${base}-`.includes(`-${marker}`) || `${base}-`.includes(marker))?.[1];
  if (!os || !cpu) return undefined;
  const libc = base.includes("musl")
    ? ["musl"]
    : os === "linux" && base.includes("gnu")
      ? ["glibc"]
      : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
}

const path = "package-lock.json";
const lock = JSON.parse(readFileSync(path, "utf8"));
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const depKey = `${key ? `${key}/` : ""}node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (lock.packages[depKey] || lock.packages[hoisted]) continue;
    const platform = platformOf(dep);
    if (!platform) {
      console.error(`complete-lock: cannot tell the platform of ${dep}; left out`);
      continue;
    }
    lock.packages[hoisted] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lock: added ${added} platform stub(s)`);
