import { ApiError, UsageError } from "./client";
import { cleanup } from "./commands/cleanup";
import { close, closures, lease } from "./commands/close";
import { decide } from "./commands/decide";
import { list } from "./commands/list";
import { retry } from "./commands/retry";
import { status } from "./commands/status";
import { vend } from "./commands/vend";
import type { Io } from "./shared";

export const USAGE = `qm: Quartermaster operator CLI

  qm vend --name N --email E [--ou PATH] [--access GROUP=PS1,PS2]... [--budget USD] [--tag k=v]... [--lease-hours H] [--idempotency-key K]
  qm status ID [--watch]
  qm list [--status PENDING_APPROVAL|PENDING|RUNNING|SUCCEEDED|FAILED|REJECTED|EXPIRED] [--limit N]
  qm approve ID [--reason R] [--as EMAIL]
  qm reject ID --reason R [--as EMAIL]
  qm retry ID
  qm retry --all-failed [--since 24h]
  qm cleanup [--dry-run] [--account ID]... [--wait]
  qm cleanup status RUN_ID
  qm close ACCOUNT_ID [--reason R] [--dry-run]
  qm close status CLOSURE_ID
  qm closures [--limit N]
  qm lease REQUEST_ID --hours N | --expires-at ISO

Options: --api URL (else QM_API_URL, else the deployed stage's outputs), --json.
Local mode has no IAM: --as EMAIL (or QM_LOCAL_USER) names the approver.
Exit codes: 0 success, 1 the request failed, 2 usage or validation error.`;

/** Runs one CLI invocation and returns its exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "vend":
        return await vend(rest, io);
      case "status":
        return await status(rest, io);
      case "list":
        return await list(rest, io);
      case "retry":
        return await retry(rest, io);
      case "approve":
      case "reject":
        return await decide(command, rest, io);
      case "cleanup":
        return await cleanup(rest, io);
      case "close":
        return await close(rest, io);
      case "closures":
        return await closures(rest, io);
      case "lease":
        return await lease(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`qm: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ApiError) {
      const details = error.details.map((d) => `  ${d.path}: ${d.message}`).join("\n");
      io.err(`qm: ${error.status} ${error.code}: ${error.message}${details ? `\n${details}` : ""}`);
      return error.status === 400 ||
        error.status === 404 ||
        error.status === 409 ||
        error.status === 413 ||
        error.status === 415 ||
        error.status === 422
        ? 2
        : 1;
    }
    const cause = (error as Error).cause as { code?: string; message?: string } | undefined;
    io.err(`qm: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`);
    return 1;
  }
}
