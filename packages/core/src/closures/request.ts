import * as z from "zod";
import { launchRun } from "../cleanup/run";
import type { CoreContext } from "../context";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors";
import type { ClosureRecord } from "../store/closures";
import { findForbiddenKeys, isPossibleId, quoteId, toFieldIssues } from "../validation";
import { closeEligibility, type Refusal } from "./eligibility";

/** What closing an account reads and writes: the organisation, closures, clean-up runs and requests (leases). */
export type ClosureCtx = Pick<
  CoreContext,
  | "clients"
  | "config"
  | "retry"
  | "logger"
  | "clock"
  | "closures"
  | "runs"
  | "workflows"
  | "events"
  | "metrics"
  | "store"
>;
type Ctx = ClosureCtx;

/** The body of `POST /accounts/{accountId}/close`. */
export const CloseRequestSchema = z.strictObject({
  reason: z.string().trim().min(1).max(500).optional(),
  /** Reports what would be cleaned and closed, and changes nothing. */
  dryRun: z.boolean().default(false),
});

/** A closure's id: one per account, so the same account twice gives the same closure. */
export const closureIdOf = (accountId: string) => `closure-${accountId}`;

/** The input of an `account-closure` execution. */
export interface ClosureInput {
  closureId: string;
}

/** What a dry run reports: what would be cleaned (a dry-run clean-up of the account) and where it would go. */
export interface ClosureDryRun {
  dryRun: true;
  accountId: string;
  accountName: string;
  ouPath: string;
  wouldMoveTo: string;
  cleanupRunId: string;
  links: { cleanup: string };
}

function refuse(refusal: Refusal): never {
  if (refusal.kind === "not-found") throw new NotFoundError(refusal.message);
  if (refusal.kind === "not-active") throw new ConflictError("ACCOUNT_NOT_ACTIVE", refusal.message);
  throw new ForbiddenError("NOT_CLOSABLE", refusal.message);
}

/** Starts (or, for a FAILED closure, starts again) the closure's workflow, and records the execution. */
async function startClosure(ctx: Ctx, closure: ClosureRecord): Promise<ClosureRecord> {
  const name = closure.attempts <= 1 ? closure.closureId : `${closure.closureId}-${closure.attempts}`;
  const input: ClosureInput = { closureId: closure.closureId };
  const { executionArn } = await ctx.workflows.start("account-closure", name, input);
  await ctx.closures.update(closure.closureId, { executionArn }, ctx.clock().toISOString());
  ctx.logger.info("Started account-closure execution", { closureId: closure.closureId, executionArn });
  return { ...closure, executionArn };
}

export interface ClosureOptions {
  accountId: string;
  trigger: "api" | "lease";
  reason?: string;
  /** The vend request whose lease ended. */
  requestId?: string;
  dryRun?: boolean;
}

/**
 * Closes an account: clean-up (a real run), `CloseAccount`, await SUSPENDED, move to the closed OU.
 * Only an ACTIVE account under the closable OUs, never the management account or Quartermaster's own
 * (403 / 409 / 404 otherwise). The same account twice gives the same closure; a FAILED one starts again.
 */
export async function requestClosure(
  ctx: Ctx,
  options: ClosureOptions,
): Promise<ClosureRecord | ClosureDryRun> {
  const { accountId } = options;
  if (!/^\d{12}$/.test(accountId))
    throw new NotFoundError(`Account ${quoteId(accountId)} is not in the organisation`);
  const closureId = closureIdOf(accountId);
  if (!options.dryRun) {
    const existing = await ctx.closures.get(closureId);
    if (existing)
      return existing.status === "FAILED" ? restart(ctx, existing, options) : ensureStarted(ctx, existing);
  }
  const { account, refusal } = await closeEligibility(ctx, accountId);
  if (refusal || !account)
    return refuse(refusal ?? { kind: "not-found", message: `No account ${accountId}` });

  if (options.dryRun) {
    const run = await launchRun(ctx, { dryRun: true, accounts: [accountId], trigger: "closure" });
    return {
      dryRun: true,
      accountId,
      accountName: account.name,
      ouPath: account.ou.path,
      wouldMoveTo: ctx.config.leases.closedOu,
      cleanupRunId: run.runId,
      links: { cleanup: `/cleanup/runs/${encodeURIComponent(run.runId)}` },
    };
  }
  const now = ctx.clock().toISOString();
  const { created, closure } = await ctx.closures.create({
    closureId,
    accountId,
    accountName: account.name,
    status: "PENDING",
    trigger: options.trigger,
    ...(options.reason ? { reason: options.reason } : {}),
    ...(options.requestId ? { requestId: options.requestId } : {}),
    steps: [],
    attempts: 1,
    createdAt: now,
    updatedAt: now,
  });
  ctx.logger.info(created ? "Closure requested" : "Closure already requested", { closureId, accountId });
  return ensureStarted(ctx, closure);
}

/** A closure recorded before its workflow started (a crash in between) is started now. */
async function ensureStarted(ctx: Ctx, closure: ClosureRecord): Promise<ClosureRecord> {
  return closure.executionArn ? closure : startClosure(ctx, closure);
}

/** A FAILED closure asked for again runs again (every step converges), after the same checks. */
async function restart(ctx: Ctx, closure: ClosureRecord, options: ClosureOptions): Promise<ClosureRecord> {
  const { refusal } = await closeEligibility(ctx, closure.accountId);
  // An account that is no longer ACTIVE may be one this closure already closed: the workflow converges.
  if (refusal && refusal.kind !== "not-active") refuse(refusal);
  const attempts = closure.attempts + 1;
  await ctx.closures.update(
    closure.closureId,
    { status: "PENDING", error: undefined, attempts, ...(options.reason ? { reason: options.reason } : {}) },
    ctx.clock().toISOString(),
  );
  return startClosure(ctx, { ...closure, status: "PENDING", error: undefined, attempts });
}

/** `POST /accounts/{accountId}/close`: the body checked, then requestClosure. */
export async function closeFromApi(ctx: Ctx, accountId: string, body: unknown) {
  const forbidden = findForbiddenKeys(body);
  const parsed = CloseRequestSchema.safeParse(body);
  if (!parsed.success || forbidden.length)
    throw new ValidationError("Invalid close request", [
      ...forbidden,
      ...(parsed.success ? [] : toFieldIssues(parsed.error)),
    ]);
  return requestClosure(ctx, {
    accountId,
    trigger: "api",
    reason: parsed.data.reason,
    dryRun: parsed.data.dryRun,
  });
}

/** `GET /closures/{closureId}`. */
export async function getClosure(ctx: Pick<Ctx, "closures">, closureId: string): Promise<ClosureRecord> {
  const closure = isPossibleId(closureId) ? await ctx.closures.get(closureId) : undefined;
  if (!closure) throw new NotFoundError(`No closure ${quoteId(closureId)}`);
  return closure;
}

export const ClosureListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  next: z.string().min(1).optional(),
});

/** `GET /closures`: newest first, paginated. */
export async function listClosures(ctx: Pick<Ctx, "closures">, query: Record<string, string | undefined>) {
  const parsed = ClosureListQuerySchema.safeParse(query);
  if (!parsed.success) throw new ValidationError("Invalid query", toFieldIssues(parsed.error, "(query)"));
  return ctx.closures.list(parsed.data);
}
