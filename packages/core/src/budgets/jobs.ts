import { randomBytes } from "node:crypto";
import * as z from "zod";
import type { CoreContext } from "../context";
import { NotFoundError, QuartermasterError, ValidationError } from "../errors";
import type { ReconcileJob } from "../store/reconcile-jobs";
import { isPossibleId, quoteId } from "../validation";
import { reconcileBudgets } from "./reconcile";

/** The domain event that runs a reconcile in the background (the bus delivers it to the reconcile function). */
export const RECONCILE_REQUESTED = "Budget Reconcile Requested";
export const ReconcileRequestedSchema = z.object({ reconcileId: z.string().min(1) });

type Ctx = Pick<
  CoreContext,
  "clients" | "config" | "retry" | "logger" | "fingerprints" | "resources" | "reconciles" | "events" | "clock"
>;

/** A time-ordered, URL-safe reconcile id. */
function newReconcileId(now: Date): string {
  return `rec-${now.getTime().toString(36)}-${randomBytes(6).toString("hex")}`;
}

/**
 * `POST /budgets/reconcile`: records a job and hands it to the background (a domain event the reconcile
 * function receives), so the request answers at once whatever the organisation's size. It takes no
 * fields: an empty body or `{}`.
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
    created: [],
    unchanged: 0,
    startedAt: now.toISOString(),
  };
  await ctx.reconciles.create(job);
  try {
    await ctx.events.publish(RECONCILE_REQUESTED, { reconcileId: job.reconcileId });
  } catch (error) {
    // Nothing will run it: say so on the job, then fail the request (a transient failure is a 503).
    await ctx.reconciles.finish(
      job.reconcileId,
      {
        status: "FAILED",
        created: [],
        unchanged: 0,
        error: { code: "NOT_STARTED", message: "The job could not be handed to the background" },
      },
      ctx.clock().toISOString(),
    );
    throw error;
  }
  ctx.logger.info("Budget reconcile requested", { reconcileId: job.reconcileId });
  return job;
}

/** `GET /budgets/reconcile/{id}`. */
export async function getReconcile(ctx: Pick<Ctx, "reconciles">, reconcileId: string): Promise<ReconcileJob> {
  const job = isPossibleId(reconcileId) ? await ctx.reconciles.get(reconcileId) : undefined;
  if (!job) throw new NotFoundError(`No reconcile ${quoteId(reconcileId)}`);
  return job;
}

/**
 * Runs a recorded job (the background half): the reconcile, then its outcome on the job. A job that
 * has already finished (a redelivered event) is not run again; budgets converge, so a rerun of an
 * unfinished one is harmless. A failure is recorded on the job and rethrown, so the delivery is retried.
 */
export async function runReconcileJob(ctx: Ctx, reconcileId: string): Promise<ReconcileJob | undefined> {
  const job = await ctx.reconciles.get(reconcileId);
  if (!job) {
    ctx.logger.warn("Reconcile job not found; nothing to run", { reconcileId });
    return undefined;
  }
  if (job.status !== "RUNNING") return job;
  try {
    const result = await reconcileBudgets(ctx);
    await ctx.reconciles.finish(reconcileId, { status: "SUCCEEDED", ...result }, ctx.clock().toISOString());
    ctx.logger.info("Budgets reconciled", {
      reconcileId,
      created: result.created.length,
      unchanged: result.unchanged,
    });
  } catch (error) {
    const code = error instanceof QuartermasterError ? error.code : "INTERNAL";
    const message = error instanceof Error ? error.message : String(error);
    await ctx.reconciles.finish(
      reconcileId,
      { status: "FAILED", created: [], unchanged: 0, error: { code, message } },
      ctx.clock().toISOString(),
    );
    throw error;
  }
  return ctx.reconciles.get(reconcileId);
}
