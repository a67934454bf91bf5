import type { AccountReport, CleanupRun } from "./record";

/** Persistence of clean-up runs and their per-account reports. */
export interface CleanupStore {
  /** Creates the run unless it exists; returns the stored run either way. */
  createRun(run: CleanupRun): Promise<CleanupRun>;
  getRun(runId: string): Promise<CleanupRun | undefined>;
  updateRun(runId: string, patch: Partial<Omit<CleanupRun, "runId" | "accounts">>): Promise<void>;
  putAccountReport(runId: string, report: AccountReport): Promise<void>;
}
