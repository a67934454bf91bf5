import type { Skip } from "../../cleanup/plan";

export type RunStatus = "RUNNING" | "SUCCEEDED" | "PARTIAL" | "FAILED";

export interface RegionReport {
  region: string;
  /** Deleted stacks; in a dry run, the stacks that would be deleted. */
  deleted: string[];
  skipped: Skip[];
  failed: Skip[];
}

export interface AccountReport {
  accountId: string;
  name: string;
  regions: RegionReport[];
  /** Set when the account could not be cleaned at all (assume-role failure, say). */
  error?: string;
}

/** A clean-up run as stored and served by `GET /cleanup/runs/{id}`. */
export interface CleanupRun {
  runId: string;
  status: RunStatus;
  dryRun: boolean;
  trigger: "api" | "schedule";
  /** Accounts requested by the caller; absent means every sandbox account. */
  requestedAccounts?: string[];
  /** Accounts in scope that were refused (management account, Quartermaster's own). */
  refused: { accountId: string; name: string; reason: string }[];
  accounts: AccountReport[];
  executionArn?: string;
  attempts: number;
  error?: string;
  startedAt: string;
  endedAt?: string;
}
