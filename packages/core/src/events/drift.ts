import * as z from "zod";

/** How many drifted accounts the event names: the report (`GET /drift/checks/{id}`) has all of them. */
export const MAX_EVENT_DRIFTED = 5;

/**
 * `Drift Detected`: a drift check found a vended account that differs from its request, or a
 * baseline that differs from the organisation. A clean check publishes nothing. Bounded whatever the
 * organisation's size: counts, the first few accounts, and where the report is.
 */
export const DriftDetectedSchema = z.object({
  checkId: z.string(),
  checked: z.number().int(),
  drifted: z.number().int(),
  excluded: z.number().int(),
  /** The baseline plan's changes (create, update, delete), when a baseline was applied. */
  baselineChanges: z.number().int(),
  baselinePlanId: z.string().optional(),
  /** The first drifted accounts, each with the kinds of what drifted. */
  accounts: z
    .array(
      z.object({
        accountId: z.string(),
        accountName: z.string(),
        kinds: z.array(z.string()),
        findings: z.number().int(),
      }),
    )
    .max(MAX_EVENT_DRIFTED),
  /** The check's report in the API: `/drift/checks/<checkId>`. */
  report: z.string(),
});
export type DriftDetected = z.infer<typeof DriftDetectedSchema>;

export const DRIFT_DETECTED = "Drift Detected";
