import * as z from "zod";

/** `Account Ready`: a vend request ended SUCCEEDED. */
export const AccountReadySchema = z.object({
  requestId: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  email: z.string(),
  ouPath: z.string(),
  requester: z.string().optional(),
  access: z.array(z.object({ group: z.string(), permissionSets: z.array(z.string()) })),
  budget: z.object({ monthlyLimitUsd: z.number(), thresholds: z.array(z.number()) }).optional(),
  /** The AWS access portal where granted users sign in. */
  portalUrl: z.string().optional(),
  /** When the account's lease ends (it is then cleaned, closed and parked). */
  leaseExpiresAt: z.string().optional(),
});
export type AccountReady = z.infer<typeof AccountReadySchema>;

/** `Account Vending Failed`: a vend request ended FAILED. */
export const AccountVendingFailedSchema = z.object({
  requestId: z.string(),
  accountName: z.string(),
  step: z.string(),
  code: z.string(),
  message: z.string(),
  executionArn: z.string().optional(),
});
export type AccountVendingFailed = z.infer<typeof AccountVendingFailedSchema>;

export const ACCOUNT_READY = "Account Ready";
export const ACCOUNT_VENDING_FAILED = "Account Vending Failed";
