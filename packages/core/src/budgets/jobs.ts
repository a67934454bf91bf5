import { randomBytes } from "node:crypto";
import * as z from "zod";
import type { CoreContext } from "../context";
import { MalformedRequestError, NotFoundError, ValidationError } from "../errors";
import type { CreatedBudget, ReconcileJob } from "../store/reconcile-jobs";
import { isPossibleId, quoteId, toFieldIssues } from "../validation";

type Ctx = Pick<CoreContext, "logger" | "reconciles" | "workflows" | "clock">;

/** A time-ordered, URL-safe reconcile id. */
function newReconcileId(now: Date): string {
  return `rec-${now.getTime().toString(36)}-${randomBytes(6).toString("hex")}`;
}

/**
 * `POST /budgets/reconcile`: records a job and starts the `budget-reconcile` workflow (the fan-out
 * engine over the accounts), so the request answers at once whatever the organisation's size. It
 * takes no fields: an empty body or `{}`.
 */
export async function startReconcile(ctx: Ctx, body: unknown): Promise<ReconcileJob> {
  if (!body || typeof body !== "object" || Array.isArray(body) || Object.keys(body).length > 0) {
    throw new ValidationError("The reconcile request takes no fields", [
      { path: "(body)", message: "must be empty or {}" },
    ]);
  }
  const now = ctx.clock();
  const job: ReconcileJob = {
    reconcileId: newReconcileId(now),
    status: "RUNNING",
    unchanged: 0,
    createdCount: 0,
    failedCount: 0,
    startedAt: now.toISOString(),
  };
  await ctx.reconciles.create(job);
  try {
    const { executionArn } = await ctx.workflows.start("budget-reconcile", job.reconcileId, {
      reconcileId: job.reconcileId,
    });
    await ctx.reconciles.update(job.reconcileId, { executionArn });
  } catch (error) {
    // Nothing will run it: say so on the job, then fail the request (a transient failure is a 503).
    await ctx.reconciles.update(job.reconcileId, {
      status: "FAILED",
      error: { code: "NOT_STARTED", message: "The reconcile's workflow could not be started" },
      endedAt: ctx.clock().toISOString(),
    });
    throw error;
  }
  ctx.logger.info("Budget reconcile started", { reconcileId: job.reconcileId });
  return job;
}

export const ReconcilePageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  next: z.string().min(1).max(512).optional(),
});

/** What `GET /budgets/reconcile/{id}` answers: the job's counts, and a page of the budgets it created. */
export type ReconcileView = Omit<ReconcileJob, "items" | "toCreate"> & {
  created: CreatedBudget[];
  next?: string;
};

function decodeNext(token: string): string {
  const invalid = new MalformedRequestError(
    "Invalid pagination token: next is not a token from a previous page",
  );
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid;
  const accountId = Buffer.from(token, "base64url").toString("utf8");
  if (!/^\d{12}$/.test(accountId)) throw invalid;
  return accountId;
}

/**
 * `GET /budgets/reconcile/{id}?limit=&next=`: the job with its counts (`createdCount`, `unchanged`,
 * `failedCount`, the first failures), and the budgets it created a page at a time, in account order.
 */
export async function getReconcile(
  ctx: Pick<Ctx, "reconciles">,
  reconcileId: string,
  query: Record<string, string | undefined> = {},
): Promise<ReconcileView> {
  const parsed = ReconcilePageQuerySchema.safeParse(query);
  if (!parsed.success) throw new ValidationError("Invalid query", toFieldIssues(parsed.error, "(query)"));
  const after = parsed.data.next === undefined ? undefined : decodeNext(parsed.data.next);
  const job = isPossibleId(reconcileId) ? await ctx.reconciles.get(reconcileId) : undefined;
  if (!job) throw new NotFoundError(`No reconcile ${quoteId(reconcileId)}`);
  const page = await ctx.reconciles.createdPage(reconcileId, { limit: parsed.data.limit, after });
  const { items: _items, toCreate: _toCreate, ...counts } = job;
  return {
    ...counts,
    created: page.items,
    ...(page.next ? { next: Buffer.from(page.next).toString("base64url") } : {}),
  };
}
