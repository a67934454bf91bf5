import type { AccountReport, CleanupRun, RegionProgress } from "./record";

/** Persistence of clean-up runs and their per-account reports. */
export interface CleanupStore {
  /** Creates the run unless it exists; returns the stored run either way. */
  createRun(run: CleanupRun): Promise<CleanupRun>;
  getRun(runId: string): Promise<CleanupRun | undefined>;
  updateRun(runId: string, patch: Partial<Omit<CleanupRun, "runId" | "accounts">>): Promise<void>;
  /** The account's report head (name, error, regions not cleaned); its regions' progress is kept apart. */
  putAccountReport(runId: string, report: AccountReport): Promise<void>;
  /** One account-region's progress; `getRun` shows it in the account's report as it goes. */
  putRegionProgress(runId: string, accountId: string, progress: RegionProgress): Promise<void>;
  getRegionProgress(runId: string, accountId: string, region: string): Promise<RegionProgress | undefined>;
  /** Every region progress of a run that is not done (the run ends before them). */
  unfinishedRegions(runId: string): Promise<{ accountId: string; progress: RegionProgress }[]>;
}
