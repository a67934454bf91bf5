import { ApiError, UnreachableError, UsageError } from "./client";
import { baseline } from "./commands/baseline";
import { cleanup } from "./commands/cleanup";
import { close, closures, lease } from "./commands/close";
import { decide } from "./commands/decide";
import { drift } from "./commands/drift";
import { list } from "./commands/list";
import { profiles } from "./commands/profiles";
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
  qm cleanup status RUN_ID [--watch]
  qm close ACCOUNT_ID [--reason R] [--dry-run]
  qm close status CLOSURE_ID [--watch]
  qm closures [--limit N]
  qm baseline plan FILE [--prune]      plan a baseline document (YAML or JSON): + create, ~ update, - delete
  qm baseline apply PLAN_ID [--wait]   apply a READY plan
  qm baseline show                     the baseline last applied (YAML)
  qm baseline export                   the organisation as a baseline document (YAML on stdout)
  qm drift [--wait]                    check every vended account and the baseline for drift
  qm drift status CHECK_ID             a check's report: each drifted account's findings, expected vs actual
  qm drift repair CHECK_ID [--account ID]...  put drifted accounts back as their requests asked (waits)
  qm profiles [--prefix P] [--mine]     granted profiles of every vended account (INI; --json)
  qm profiles --write [FILE]           into the config file's Quartermaster block (default AWS_CONFIG_FILE or ~/.aws/config)
  qm profiles --registry DIR           a granted profile registry (granted.yml and config) to commit
  qm lease REQUEST_ID --hours N | --extend N | --expires-at ISO
      --hours N: the lease ends N hours from now; --extend N: N hours after its current end

Options: --api URL (else QM_API_URL, else the deployed stage's outputs), --json.
Local mode has no IAM: --as EMAIL (or QM_LOCAL_USER) names the approver.

Exit codes:
  0  done
  1  the operation failed or was refused (403, 404, 409; a request that ended FAILED, REJECTED or EXPIRED)
  2  the command or its input was wrong (usage, 400, 413, 415, 422)
  3  Quartermaster could not be reached or could not answer (connection refused, timeout, 5xx)`;

/** What each exit code means; the usage text and the README's table say the same. */
export const EXIT = { done: 0, refused: 1, input: 2, unreachable: 3 } as const;

/** The exit code of an API error answer. */
export function exitCodeOf(status: number): number {
  if (status >= 500) return EXIT.unreachable;
  if ([400, 413, 415, 422].includes(status)) return EXIT.input;
  return EXIT.refused;
}

/** What to do about an error code, where the API's message alone does not say. */
const HINTS: Record<string, string> = {
  UNKNOWN_CALLER:
    "name the caller: locally, --as EMAIL or QM_LOCAL_USER=EMAIL; against AWS, call with your IAM Identity Center session (granted's assume, or aws sso login) so your email is known",
};

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
      case "baseline":
        return await baseline(rest, io);
      case "close":
        return await close(rest, io);
      case "closures":
        return await closures(rest, io);
      case "lease":
        return await lease(rest, io);
      case "profiles":
        return await profiles(rest, io);
      case "drift":
        return await drift(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return command === undefined ? EXIT.input : EXIT.done;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`qm: ${error.message}\n\n${USAGE}`);
      return EXIT.input;
    }
    if (error instanceof ApiError) {
      const details = error.details.map((d) => `  ${d.path}: ${d.message}`).join("\n");
      const hint = HINTS[error.code];
      io.err(
        `qm: ${error.status} ${error.code}: ${error.message}${details ? `\n${details}` : ""}${hint ? `\n${hint}` : ""}`,
      );
      return exitCodeOf(error.status);
    }
    if (error instanceof UnreachableError) {
      io.err(`qm: ${error.message}`);
      return EXIT.unreachable;
    }
    const cause = (error as Error).cause as { code?: string; message?: string } | undefined;
    io.err(`qm: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`);
    return EXIT.refused;
  }
}
