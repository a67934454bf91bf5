import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export interface Emulator {
  url: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Finds a python that can run moto's server, installing a pinned moto into a virtualenv if needed. */
export function ensureMotoPython(): string {
  const out = execFileSync("bash", [join(repoRoot, "scripts", "ensure-moto.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const python = out.trim().split("\n").pop();
  if (!python) throw new Error("scripts/ensure-moto.sh printed no interpreter");
  return python;
}

/** A free loopback port, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Fails at once, naming the port, when something already listens on it. */
export function assertPortFree(port: number, host = "127.0.0.1"): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(`Port ${port} on ${host} is already in use (${error.code}); set PORT to another port`, {
          cause: error,
        }),
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

async function waitUntilReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`moto exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // Not listening yet: try again shortly.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto did not answer on ${url} within ${timeoutMs} ms`);
}

const MOTO_SERVER = join(repoRoot, "packages", "local", "src", "moto_server.py");

/**
 * Starts moto in server mode on loopback; `stop` ends it and waits for the process to exit.
 * With `stateFile`, moto's whole state is loaded from that file at start and saved to it when it
 * stops (and every few seconds after a change). moto reads its standard input, a pipe from this
 * process, and stops when it closes: it never outlives this process, however this one ends.
 */
export async function startEmulator(
  options: { port?: number; quiet?: boolean; stateFile?: string } = {},
): Promise<Emulator> {
  const python = ensureMotoPython();
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const state = options.stateFile ? ["--state", options.stateFile] : [];
  const child = spawn(python, [MOTO_SERVER, "--host", "127.0.0.1", "--port", String(port), ...state], {
    stdio: ["pipe", options.quiet === false ? "inherit" : "ignore", "pipe"],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "false" },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitUntilReady(url, child, 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`Could not start the AWS emulator: ${(error as Error).message}\n${stderr}`, {
      cause: error,
    });
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // If this process ends without calling stop (an uncaught error, process.exit), take moto with it;
  // SIGTERM, so that moto still saves its state.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  return {
    url,
    port,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      // Saving a large state takes a moment; past this, losing it beats hanging the shutdown.
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
      process.removeListener("exit", killOnExit);
    },
  };
}

/**
 * Points every AWS SDK client this process builds at the emulator, with dummy credentials: the SDK
 * reads these variables, so production code needs no emulator branch and never reaches real AWS.
 */
export function useEmulatorEnv(url: string, region: string): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}
