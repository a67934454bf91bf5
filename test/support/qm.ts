import { runCli } from "../../packages/cli/src/commands";
import type { Io } from "../../packages/cli/src/shared";

/** Runs `qm` in-process against an API URL (local mode: QM_LOCAL_USER names the caller), capturing what it prints. */
export async function runQm(apiUrl: string, env: Record<string, string>, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { QM_API_URL: apiUrl, ...env },
    cwd: process.cwd(),
    isTty: false,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    now: () => new Date(),
  };
  const code = await runCli(argv, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}
