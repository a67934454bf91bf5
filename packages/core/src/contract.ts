import * as z from "zod";
import { AppliedBaselineSchema, ChangeSchema, PlanSchema, PlanSummarySchema } from "./store/baseline-plans";
import {
  AccountReportSchema,
  CleanupRunHeadSchema,
  RefusalSchema,
  RunSummarySchema,
} from "./store/cleanup-runs/record";
import { ClosureRecordSchema } from "./store/closures";
import {
  DriftCheckSchema,
  DriftExcludedSchema,
  DriftedAccountSchema,
  DriftRepairSchema,
} from "./store/drift-checks";
import { CreatedBudgetSchema, ReconcileJobSchema } from "./store/reconcile-jobs";
import { StepRecordSchema, VendRequestRecordSchema } from "./store/requests/record";

/**
 * The response bodies of the HTTP contract (docs/api.md), as zod schemas: the handlers return
 * these types, the OpenAPI document is generated from them, and the `qm` CLI reads them.
 */

/** The API's error shape, on every 4xx and 5xx. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** `GET /accounts/requests/{id}`, and each item of the list. */
export const RequestViewSchema = VendRequestRecordSchema.pick({
  requestId: true,
  status: true,
  request: true,
  accountId: true,
  ouId: true,
  error: true,
  executionArn: true,
  attempts: true,
  requester: true,
  approval: true,
  lease: true,
  createdAt: true,
  updatedAt: true,
}).extend({
  ouPath: z.string(),
  steps: z.array(StepRecordSchema),
  /** Every assignment the vend makes: the request's `access`, and its OU's standing assignments. */
  grants: z.array(
    z.object({ group: z.string(), permissionSet: z.string(), source: z.enum(["request", "baseline"]) }),
  ),
});
export type RequestView = z.infer<typeof RequestViewSchema>;

/** `GET /accounts/requests`: a page, newest first. */
export const RequestPageSchema = z.object({ items: z.array(RequestViewSchema), next: z.string().optional() });
export type RequestPage = z.infer<typeof RequestPageSchema>;

/** `POST /accounts`: 202. */
export const VendAcceptedSchema = z.object({
  requestId: z.string(),
  status: RequestViewSchema.shape.status,
  executionArn: z.string().optional(),
  links: z.object({ self: z.string() }),
});
export type VendAccepted = z.infer<typeof VendAcceptedSchema>;

/** `GET /cleanup/runs/{id}`, and `POST /cleanup/runs/{id}/retry`. */
/** `GET /cleanup/runs/{id}`: the run, its whole summary, and a page of its accounts and refusals. */
export const CleanupRunSchema = CleanupRunHeadSchema.omit({ items: true }).extend({
  summary: RunSummarySchema,
  accounts: z.array(AccountReportSchema),
  refused: z.array(RefusalSchema),
  /** Absent on the last page. */
  next: z.string().optional(),
});
export type CleanupRunView = z.infer<typeof CleanupRunSchema>;

/** `POST /cleanup/runs`: 202. */
export const CleanupAcceptedSchema = z.object({
  runId: z.string(),
  status: CleanupRunHeadSchema.shape.status,
  dryRun: z.boolean(),
  links: z.object({ self: z.string() }),
});
export type CleanupAccepted = z.infer<typeof CleanupAcceptedSchema>;

/** `POST /budgets/reconcile`: 202, the job to poll. */
export const ReconcileAcceptedSchema = z.object({
  reconcileId: z.string(),
  status: ReconcileJobSchema.shape.status,
  links: z.object({ self: z.string() }),
});
export type ReconcileAccepted = z.infer<typeof ReconcileAcceptedSchema>;

/** `GET /budgets/reconcile/{id}`: the job's counts, and a page of the budgets it created. */
export const ReconcileJobViewSchema = ReconcileJobSchema.omit({ items: true, toCreate: true }).extend({
  created: z.array(CreatedBudgetSchema),
  /** Absent on the last page. */
  next: z.string().optional(),
});

/** `POST /baseline/plans`: 202, the plan to poll. */
export const PlanAcceptedSchema = z.object({
  planId: z.string(),
  status: PlanSchema.shape.status,
  links: z.object({ self: z.string() }),
});
export type PlanAccepted = z.infer<typeof PlanAcceptedSchema>;

/** `GET /baseline/plans/{id}`: the plan, its summary whole, a page of its changes. */
export const PlanViewSchema = z.object({
  planId: z.string(),
  status: PlanSchema.shape.status,
  prune: z.boolean(),
  changes: z.array(ChangeSchema),
  summary: PlanSummarySchema,
  unmanaged: z.array(z.object({ kind: z.string(), key: z.string() })),
  refused: z.array(z.object({ key: z.string(), reason: z.string() })),
  progress: z.object({ done: z.number(), total: z.number() }),
  error: PlanSchema.shape.error,
  executionArn: z.string().optional(),
  createdAt: z.string(),
  appliedAt: z.string().optional(),
  /** Absent on the last page. */
  next: z.string().optional(),
  links: z.object({ self: z.string() }),
});

/** `GET /baseline`: the last applied document. */
export const AppliedBaselineViewSchema = AppliedBaselineSchema.omit({ plannedAt: true });

/** `GET /baseline/export`: the organisation as a document. */
export const BaselineExportSchema = z.object({ baseline: z.record(z.string(), z.unknown()) });

/** `POST /drift/checks`: 202, the check to poll. */
export const DriftCheckAcceptedSchema = z.object({
  checkId: z.string(),
  status: DriftCheckSchema.shape.status,
  links: z.object({ self: z.string() }),
});

/** `GET /drift/checks/{id}`: the check, its counts, a page of drifted then excluded accounts, the baseline's part. */
export const DriftCheckViewSchema = z.object({
  checkId: z.string(),
  status: DriftCheckSchema.shape.status,
  trigger: DriftCheckSchema.shape.trigger,
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  summary: z.object({ checked: z.number(), drifted: z.number(), excluded: z.number() }),
  accounts: z.array(DriftedAccountSchema),
  excluded: z.array(DriftExcludedSchema),
  baseline: z.object({
    planId: z.string().optional(),
    status: z.string(),
    summary: PlanSummarySchema.nullable(),
    changes: z.array(ChangeSchema),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    links: z.object({ plan: z.string() }).optional(),
  }),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  executionArn: z.string().optional(),
  /** Absent on the last page. */
  next: z.string().optional(),
  links: z.object({ self: z.string() }),
});

export type DriftCheckView = z.infer<typeof DriftCheckViewSchema>;

/** `POST /drift/checks/{id}/repair`: 202, the repair to poll. */
export const DriftRepairAcceptedSchema = z.object({
  repairId: z.string(),
  checkId: z.string(),
  status: DriftRepairSchema.shape.status,
  links: z.object({ self: z.string() }),
});

/** `GET /drift/repairs/{id}`: each account's outcome. */
export const DriftRepairViewSchema = z.object({
  repairId: z.string(),
  checkId: z.string(),
  status: DriftRepairSchema.shape.status,
  repaired: z.array(z.string()),
  skipped: z.array(z.object({ accountId: z.string(), reason: z.string() })),
  failed: z.array(z.object({ accountId: z.string(), reason: z.string() })),
  actions: z.array(z.object({ accountId: z.string(), actions: z.array(z.string()) })),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  executionArn: z.string().optional(),
  links: z.object({ self: z.string(), check: z.string() }),
});
export type DriftRepairView = z.infer<typeof DriftRepairViewSchema>;

/** `GET /profiles?format=json`: a granted profile per account and permission set. */
export const ProfilesViewSchema = z.object({
  profiles: z.array(
    z.object({
      name: z.string(),
      accountId: z.string(),
      accountName: z.string(),
      permissionSet: z.string(),
      startUrl: z.string(),
      ssoRegion: z.string(),
    }),
  ),
});
export type ProfilesView = z.infer<typeof ProfilesViewSchema>;

/** `GET /closures/{id}`. */
export const ClosureViewSchema = ClosureRecordSchema;
export type ClosureView = z.infer<typeof ClosureViewSchema>;

/** `GET /closures`: a page, newest first. */
export const ClosurePageSchema = z.object({ items: z.array(ClosureViewSchema), next: z.string().optional() });
export type ClosurePage = z.infer<typeof ClosurePageSchema>;

/** `POST /accounts/{accountId}/close`: 202. */
export const ClosureAcceptedSchema = z.object({
  closureId: z.string(),
  status: ClosureRecordSchema.shape.status,
  links: z.object({ self: z.string() }),
});
export type ClosureAccepted = z.infer<typeof ClosureAcceptedSchema>;

/** `POST /accounts/{accountId}/close` with `"dryRun": true`: 200, what would be cleaned and where it would go. */
export const ClosureDryRunSchema = z.object({
  dryRun: z.literal(true),
  accountId: z.string(),
  accountName: z.string(),
  ouPath: z.string(),
  wouldMoveTo: z.string(),
  cleanupRunId: z.string(),
  links: z.object({ cleanup: z.string() }),
});
export type ClosureDryRunView = z.infer<typeof ClosureDryRunSchema>;

/** `POST /slack/commands`: Slack shows `text` to the person who typed the command only. */
export const SlackAnswerSchema = z.object({ response_type: z.literal("ephemeral"), text: z.string() });
export type SlackAnswer = z.infer<typeof SlackAnswerSchema>;

/** Local mode has no IAM: this header names the caller (API.md, Local mode). AWS ignores it. */
export const LOCAL_USER_HEADER = "x-qm-local-user";

/** `GET /health`. */
export const HealthSchema = z.object({ ok: z.literal(true) });
