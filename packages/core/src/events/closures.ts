import * as z from "zod";

const Base = { closureId: z.string(), accountId: z.string(), accountName: z.string() };

/** `Account Closed`: cleaned, closed (SUSPENDED) and moved to the closed OU. */
export const AccountClosedSchema = z.object({
  ...Base,
  trigger: z.enum(["api", "lease"]),
  /** The reason the operator gave (`qm close --reason`), when one was given. */
  reason: z.string().optional(),
  closedOuPath: z.string(),
  requestId: z.string().optional(),
  remaining: z.array(z.object({ region: z.string(), stack: z.string(), reason: z.string() })),
});
export type AccountClosed = z.infer<typeof AccountClosedSchema>;

/** `Account Closure Waiting`: AWS's close quota refused CloseAccount; the closure tries again later. */
export const ClosureWaitingSchema = z.object({ ...Base, retryAt: z.string(), reason: z.string() });
export type ClosureWaiting = z.infer<typeof ClosureWaitingSchema>;

/** `Account Closure Failed`. */
export const ClosureFailedSchema = z.object({
  ...Base,
  step: z.string(),
  code: z.string(),
  message: z.string(),
});
export type ClosureFailed = z.infer<typeof ClosureFailedSchema>;

/** `Account Lease Ending`: the warning `leases.warnHoursBefore` before a lease ends. */
export const LeaseEndingSchema = z.object({
  requestId: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  expiresAt: z.string(),
  requester: z.string().optional(),
});
export type LeaseEnding = z.infer<typeof LeaseEndingSchema>;

export const ACCOUNT_CLOSED = "Account Closed";
export const CLOSURE_WAITING = "Account Closure Waiting";
export const CLOSURE_FAILED = "Account Closure Failed";
export const LEASE_ENDING = "Account Lease Ending";
