import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const started: ChildProcess[] = [];

/** Kills whatever `npm start` a test left running (call from afterAll). */
export function killLeftovers(): void {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
}

/** A fresh folder for local mode's kept state, so no test shares or leaves state in the repo. */
export function freshStateDir(): string {
  return mkdtempSync(join(tmpdir(), "qm-state-"));
}

/**
 * `npm start` as a user runs it, with output collected; `killLeftovers` ends it if a test did not.
 * Its state goes to a fresh folder unless the test names one (QM_LOCAL_STATE_DIR).
 */
export function npmStart(env: Record<string, string>) {
  const child = spawn("npm", ["start", "--silent"], {
    env: { ...process.env, QM_LOCAL_STATE_DIR: freshStateDir(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (c: Buffer) => {
    output.stdout += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    output.stderr += c.toString();
  });
  return { child, output };
}

/** Resolves with the first match of `pattern` in the child's stdout, or rejects on exit or timeout. */
export function waitForOutput(
  child: ChildProcess,
  output: { stdout: string; stderr: string },
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(output.stdout);
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`npm start exited (${code}) before ${pattern}:\n${output.stdout}\n${output.stderr}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output.stdout}\n${output.stderr}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", check);
      child.off("exit", onExit);
    };
    child.stdout?.on("data", check);
    child.once("exit", onExit);
    check();
  });
}

/** Sends a signal and resolves with `code/signal` once the process has exited. */
export function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<string> {
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, sig) => resolve(`${code}/${sig}`)),
  );
  child.kill(signal);
  return exited;
}
