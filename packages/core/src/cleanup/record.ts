import type { Skip } from "./plan";

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

/** Persistence of clean-up runs and their per-account reports. */
export interface CleanupStore {
  /** Creates the run unless it exists; returns the stored run either way. */
  createRun(run: CleanupRun): Promise<CleanupRun>;
  getRun(runId: string): Promise<CleanupRun | undefined>;
  updateRun(runId: string, patch: Partial<Omit<CleanupRun, "runId" | "accounts">>): Promise<void>;
  putAccountReport(runId: string, report: AccountReport): Promise<void>;
}

/** Overall status: FAILED when nothing could be cleaned, PARTIAL when something failed. */
export function runStatus(accounts: AccountReport[], error?: string): RunStatus {
  if (error) return "FAILED";
  const accountFailures = accounts.filter((a) => a.error).length;
  if (accounts.length > 0 && accountFailures === accounts.length) return "FAILED";
  const stackFailures = accounts.some((a) => a.regions.some((r) => r.failed.length > 0));
  return accountFailures > 0 || stackFailures ? "PARTIAL" : "SUCCEEDED";
}
