import * as z from "zod";

/** `Account Approval Requested`: a request waits in PENDING_APPROVAL; Slack gets the Approve/Deny message. */
export const ApprovalRequestedSchema = z.object({
  requestId: z.string(),
  accountName: z.string(),
  email: z.string(),
  ouPath: z.string(),
  requester: z.string().optional(),
  access: z.array(z.object({ group: z.string(), permissionSets: z.array(z.string()) })),
  budget: z.object({ monthlyLimitUsd: z.number() }).optional(),
  lease: z.object({ expiresAt: z.string() }).optional(),
  approvers: z.array(z.string()),
  expiresAt: z.string(),
});
export type ApprovalRequested = z.infer<typeof ApprovalRequestedSchema>;

/** `Account Request Decided`: approved, rejected (from Slack or the API) or expired. */
export const RequestDecidedSchema = z.object({
  requestId: z.string(),
  accountName: z.string(),
  decision: z.enum(["APPROVED", "REJECTED", "EXPIRED"]),
  by: z.string().optional(),
  reason: z.string().optional(),
  via: z.enum(["slack", "api", "expiry"]),
});
export type RequestDecided = z.infer<typeof RequestDecidedSchema>;

export const APPROVAL_REQUESTED = "Account Approval Requested";
export const REQUEST_DECIDED = "Account Request Decided";
