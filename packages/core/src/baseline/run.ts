import { randomBytes } from "node:crypto";
import * as z from "zod";
import type { CoreContext } from "../context";
import { ConflictError, MalformedRequestError, NotFoundError, ValidationError } from "../errors";
import type { FanoutItems } from "../fanout/items";
import { readFanoutJson, writeFanoutItems, writeFanoutJson } from "../fanout/items";
import type { AppliedBaseline, Change, Pending, Plan, PlanSummary } from "../store/baseline-plans";
import { isPossibleId, quoteId, toFieldIssues } from "../validation";
import { type ExecutionStatusChange, executionSubject } from "../workflow/execution-events";
import { applyChange, Names, pendingDone } from "./apply";
import { planChanges } from "./diff";
import { type Baseline, BaselineSchema, validateBaseline } from "./document";
import { exportBaseline, tidyBaseline } from "./export";
import {
  type OrgSnapshot,
  OrgSnapshotSchema,
  readGroupAssignments,
  readOrganisation,
  readStructure,
} from "./read";

type Ctx = Pick<
  CoreContext,
  "clients" | "config" | "retry" | "logger" | "baselines" | "workflows" | "clock" | "resources"
>;

/** Identity Center allows 10 outstanding assignment operations per instance; an apply keeps within it. */
export const MAX_OUTSTANDING = 10;
/** How long one apply task works before it hands back to the state machine (its timeout is 300 s). */
export const APPLY_BUDGET_MS = 60_000;
/** Identity Center's write calls are limited to 20 a second per instance: at most one each 50 ms. */
export const IDENTITY_CENTER_INTERVAL_MS = 50;

const FANOUT_KIND = "baseline";

function newPlanId(now: Date): string {
  return `bpl-${now.getTime().toString(36)}-${randomBytes(6).toString("hex")}`;
}

const PlanBodySchema = z.strictObject({ baseline: z.unknown(), prune: z.boolean().default(false) });

/** The plan request as documented (OpenAPI): the handler parses the document itself, to name every bad field. */
export const PlanRequestSchema = z.strictObject({
  baseline: BaselineSchema,
  prune: z.boolean().default(false),
});

/** `POST /baseline/plans`: validates the document (422 naming every bad field), records the plan, starts the read. */
export async function submitPlan(ctx: Ctx, body: unknown, createdBy?: string): Promise<Plan> {
  const parsed = PlanBodySchema.safeParse(body);
  if (!parsed.success) throw new ValidationError("Invalid plan request", toFieldIssues(parsed.error));
  if (parsed.data.baseline === undefined)
    throw new ValidationError("Invalid plan request", [{ path: "baseline", message: "is required" }]);
  const checked = validateBaseline(parsed.data.baseline);
  if (!checked.ok) throw new ValidationError("The baseline document is invalid", checked.issues);
  const now = ctx.clock().toISOString();
  const plan: Plan = {
    planId: newPlanId(ctx.clock()),
    status: "PLANNING",
    prune: parsed.data.prune,
    baseline: checked.baseline as Record<string, unknown>,
    createdBy,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.baselines.create(plan);
  try {
    const { executionArn } = await ctx.workflows.start("baseline", plan.planId, {
      action: "plan",
      planId: plan.planId,
    });
    await ctx.baselines.update(plan.planId, { executionArn });
    plan.executionArn = executionArn;
  } catch (error) {
    await ctx.baselines.update(plan.planId, {
      status: "FAILED",
      error: { code: "NOT_STARTED", message: "The plan's workflow could not be started" },
      updatedAt: ctx.clock().toISOString(),
    });
    throw error;
  }
  ctx.logger.info("Baseline plan started", { planId: plan.planId, prune: plan.prune });
  return plan;
}

export const PlanPageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  next: z.string().min(1).max(64).optional(),
});

/** What `GET /baseline/plans/{id}` answers. */
export interface PlanView {
  planId: string;
  status: Plan["status"];
  prune: boolean;
  changes: Change[];
  summary: PlanSummary;
  unmanaged: { kind: string; key: string }[];
  refused: { key: string; reason: string }[];
  progress: { done: number; total: number };
  error?: Plan["error"];
  executionArn?: string;
  createdAt: string;
  appliedAt?: string;
  next?: string;
  links: { self: string };
}

function decodeNext(token: string): number {
  const invalid = new MalformedRequestError(
    "Invalid pagination token: next is not a token from a previous page",
  );
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid;
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!/^c\d{1,7}$/.test(text)) throw invalid;
  return Number(text.slice(1));
}

const EMPTY_SUMMARY: PlanSummary = {
  create: 0,
  update: 0,
  delete: 0,
  unchanged: 0,
  unmanaged: 0,
  refused: 0,
};

/** A plan as the API shows it, with a page of its changes from `from`. */
export async function planView(
  ctx: Pick<Ctx, "baselines">,
  plan: Plan,
  page: { from: number; limit: number } = { from: 0, limit: 500 },
): Promise<PlanView> {
  const found =
    plan.status === "PLANNING" || plan.total === undefined
      ? { changes: [] as Change[] }
      : await ctx.baselines.changes(plan.planId, page);
  const total = plan.total ?? 0;
  const done =
    plan.status === "APPLIED" ? total : Math.min(plan.cursor ?? 0, total) - (plan.pending?.length ?? 0);
  return {
    planId: plan.planId,
    status: plan.status,
    prune: plan.prune,
    changes: found.changes,
    summary: plan.summary ?? EMPTY_SUMMARY,
    unmanaged: plan.unmanaged ?? [],
    refused: plan.refused ?? [],
    progress: { done: Math.max(0, done), total },
    ...(plan.error ? { error: plan.error } : {}),
    ...(plan.executionArn ? { executionArn: plan.applyExecutionArn ?? plan.executionArn } : {}),
    createdAt: plan.createdAt,
    ...(plan.appliedAt ? { appliedAt: plan.appliedAt } : {}),
    ...("next" in found && found.next !== undefined
      ? { next: Buffer.from(`c${found.next}`).toString("base64url") }
      : {}),
    links: { self: `/baseline/plans/${plan.planId}` },
  };
}

async function loadPlan(ctx: Pick<Ctx, "baselines">, planId: string): Promise<Plan> {
  const plan = isPossibleId(planId) ? await ctx.baselines.get(planId) : undefined;
  if (!plan) throw new NotFoundError(`No baseline plan ${quoteId(planId)}`);
  return plan;
}

/** `GET /baseline/plans/{id}?limit=&next=`. */
export async function getPlan(
  ctx: Pick<Ctx, "baselines">,
  planId: string,
  query: Record<string, string | undefined> = {},
): Promise<PlanView> {
  const parsed = PlanPageQuerySchema.safeParse(query);
  if (!parsed.success) throw new ValidationError("Invalid query", toFieldIssues(parsed.error, "(query)"));
  const from = parsed.data.next === undefined ? 0 : decodeNext(parsed.data.next);
  const plan = await loadPlan(ctx, planId);
  return planView(ctx, plan, { from, limit: parsed.data.limit });
}

/**
 * `POST /baseline/plans/{id}/apply`: a READY plan becomes APPLYING and its workflow starts. A plan is
 * applied once; a plan made before the last applied one would undo it, so it is refused (409).
 */
export async function startApply(
  ctx: Ctx,
  planId: string,
  body: unknown,
  appliedBy?: string,
): Promise<PlanView> {
  if (!body || typeof body !== "object" || Array.isArray(body) || Object.keys(body).length > 0)
    throw new ValidationError("The apply request takes no fields", [
      { path: "(body)", message: "must be empty or {}" },
    ]);
  const plan = await loadPlan(ctx, planId);
  if (plan.status !== "READY")
    throw new ConflictError(
      "PLAN_NOT_READY",
      `Plan ${plan.planId} is ${plan.status}: only a READY plan is applied`,
    );
  const current = await ctx.baselines.current();
  if (current && current.plannedAt > plan.createdAt)
    throw new ConflictError(
      "PLAN_SUPERSEDED",
      `Plan ${plan.planId} was made before plan ${current.planId}, applied ${current.appliedAt}: plan again`,
    );
  const now = ctx.clock().toISOString();
  if (
    !(await ctx.baselines.transition(plan.planId, "READY", {
      status: "APPLYING",
      appliedBy,
      cursor: 0,
      pending: [],
      updatedAt: now,
    }))
  )
    throw new ConflictError("PLAN_NOT_READY", `Plan ${plan.planId} is being applied already`);
  try {
    const { executionArn } = await ctx.workflows.start("baseline", `${plan.planId}-apply`, {
      action: "apply",
      planId: plan.planId,
    });
    await ctx.baselines.update(plan.planId, { applyExecutionArn: executionArn });
  } catch (error) {
    await ctx.baselines.update(plan.planId, {
      status: "FAILED",
      error: { code: "NOT_STARTED", message: "The apply's workflow could not be started" },
      updatedAt: ctx.clock().toISOString(),
    });
    throw error;
  }
  ctx.logger.info("Baseline apply started", { planId: plan.planId });
  return planView(ctx, await loadPlan(ctx, plan.planId));
}

/** `GET /baseline`: the last applied document. */
export async function currentBaseline(ctx: Pick<Ctx, "baselines">): Promise<AppliedBaseline> {
  const current = await ctx.baselines.current();
  if (!current) throw new NotFoundError("No baseline has been applied yet");
  return current;
}

/** The last applied document, parsed (vending reads its standing assignments). */
export async function appliedBaseline(ctx: Pick<Ctx, "baselines">): Promise<Baseline | undefined> {
  const current = await ctx.baselines.current();
  return current ? BaselineSchema.parse(current.baseline) : undefined;
}

/**
 * `GET /baseline/export`: the organisation as it is, as a document. It takes no query: anything in
 * it is refused (422) before the organisation is read.
 */
export async function exportOrganisation(
  ctx: Pick<Ctx, "clients" | "config" | "retry">,
  query: Record<string, string | undefined> = {},
) {
  const parsed = z.strictObject({}).safeParse(query);
  if (!parsed.success)
    throw new ValidationError("GET /baseline/export takes no query", toFieldIssues(parsed.error, "(query)"));
  return { baseline: tidyBaseline(exportBaseline(await readOrganisation(ctx))) };
}

/** The OUs Quartermaster's configuration names: a prune never deletes them. */
function configuredOus(ctx: Pick<Ctx, "config">): string[] {
  const c = ctx.config;
  return [...c.sandboxOuPaths, ...(c.closableOuPaths ?? []), c.leases.closedOu].filter(
    (p): p is string => typeof p === "string",
  );
}

// ---- The workflow's tasks ----

/** The plan's state between its tasks: where the read structure and the groups are. */
export interface PlanRead {
  planId: string;
  instanceArn: string;
  items: FanoutItems;
}

/** Task `StartPlan`: reads everything but the assignments; the groups become the fan-out's items. */
export async function startPlan(ctx: Ctx, planId: string, executionArn: string): Promise<PlanRead> {
  const plan = await loadPlan(ctx, planId);
  const structure = await readStructure(ctx);
  await writeFanoutJson(ctx, FANOUT_KIND, `${planId}/structure`, structure);
  const items = await writeFanoutItems(
    ctx,
    FANOUT_KIND,
    `${planId}/groups`,
    structure.groups.map((g) => ({ id: g.id, name: g.name })),
  );
  ctx.logger.info("Baseline plan read the organisation", {
    planId: plan.planId,
    executionArn,
    accounts: structure.accounts.length,
    groups: structure.groups.length,
  });
  return { planId, instanceArn: structure.instanceArn, items };
}

/** What `StartPlan` read and wrote for the plan's later tasks. */
async function readPlanStructure(ctx: Ctx, planId: string) {
  return OrgSnapshotSchema.omit({ assignments: true }).parse(
    await readFanoutJson(ctx, FANOUT_KIND, `${planId}/structure`),
  );
}

/** Task `ReadGroup` (one child per group): the group's assignments across the organisation. */
export async function readGroup(
  ctx: Ctx,
  planId: string,
  group: { id: string; name: string },
): Promise<void> {
  const structure = await readPlanStructure(ctx, planId);
  const assignments = await readGroupAssignments(ctx, structure, group);
  await writeFanoutJson(ctx, FANOUT_KIND, `${planId}/group-${group.id}`, assignments);
}

function errorOf(error: { Error: string; Cause?: string }): Plan["error"] {
  let message = error.Cause ?? error.Error;
  let key: string | undefined;
  try {
    const cause = JSON.parse(error.Cause ?? "") as { errorMessage?: string; key?: string };
    message = cause.errorMessage ?? message;
    key = cause.key;
  } catch {
    // Step Functions' own errors carry a plain-text cause: it is the message.
  }
  return { code: error.Error, message: message.slice(0, 1000), ...(key ? { key } : {}) };
}

/** Task `FinishPlan`: assembles what was read, computes the changes, and makes the plan READY (or FAILED). */
export async function finishPlan(
  ctx: Ctx,
  planId: string,
  error: { Error: string; Cause?: string } | undefined,
): Promise<{ status: Plan["status"] }> {
  const plan = await loadPlan(ctx, planId);
  if (plan.status !== "PLANNING") return { status: plan.status };
  const now = () => ctx.clock().toISOString();
  if (error) {
    await ctx.baselines.update(planId, { status: "FAILED", error: errorOf(error), updatedAt: now() });
    return { status: "FAILED" };
  }
  const structure = await readPlanStructure(ctx, planId);
  const assignments: OrgSnapshot["assignments"] = [];
  for (const group of structure.groups) {
    const read = z
      .array(OrgSnapshotSchema.shape.assignments.element)
      .parse(await readFanoutJson(ctx, FANOUT_KIND, `${planId}/group-${group.id}`));
    assignments.push(...read);
  }
  const result = await computePlan(ctx, plan, { ...structure, assignments });
  await ctx.baselines.putChanges(planId, result.changes);
  await ctx.baselines.update(planId, {
    status: "READY",
    summary: result.summary,
    total: result.changes.length,
    unmanaged: result.unmanaged,
    refused: result.refused,
    updatedAt: now(),
  });
  ctx.logger.info("Baseline plan ready", { planId, ...result.summary });
  return { status: "READY" };
}

async function computePlan(ctx: Ctx, plan: Plan, org: OrgSnapshot) {
  const previous = await appliedBaseline(ctx);
  return planChanges(BaselineSchema.parse(plan.baseline), org, {
    prune: plan.prune,
    previous,
    configuredOus: configuredOus(ctx),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Task `ApplyChanges`: applies the plan's changes in order from where the last call stopped, for up
 * to APPLY_BUDGET_MS. Identity Center's asynchronous operations are awaited before a change of
 * another kind (a changed permission set is provisioned before any assignment), and at most
 * MAX_OUTSTANDING are left in flight. Every change is idempotent: a retried call repeats at most the
 * one change it did not record.
 */
export async function applyChanges(
  ctx: Ctx,
  planId: string,
  options: { budgetMs?: number; intervalMs?: number; pollMs?: number } = {},
): Promise<{ done: boolean; waitSeconds: number }> {
  const started = Date.now();
  const budget = options.budgetMs ?? APPLY_BUDGET_MS;
  const interval = options.intervalMs ?? IDENTITY_CENTER_INTERVAL_MS;
  const pollMs = options.pollMs ?? 1000;
  const plan = await loadPlan(ctx, planId);
  if (plan.status !== "APPLYING") return { done: true, waitSeconds: 0 };
  const names = await Names.of(ctx);
  const total = plan.total ?? 0;
  let cursor = plan.cursor ?? 0;
  let pending: Pending[] = plan.pending ?? [];
  let kindInFlight: string | undefined;
  let appliedHere = 0;
  const save = () => ctx.baselines.update(planId, { cursor, pending, updatedAt: ctx.clock().toISOString() });

  const settle = async () => {
    const still: Pending[] = [];
    for (const p of pending) if (!(await pendingDone(ctx, names.ic, p))) still.push(p);
    const changed = still.length !== pending.length;
    pending = still;
    if (changed) await save();
  };

  await settle();
  let page: Change[] = [];
  let pageStart = cursor;
  while (cursor < total) {
    // At least one change a call, however long the last one took: every call makes progress.
    if (appliedHere > 0 && Date.now() - started > budget) return { done: false, waitSeconds: 1 };
    if (cursor >= pageStart + page.length) {
      pageStart = cursor;
      page = (await ctx.baselines.changes(planId, { from: cursor, limit: 100 })).changes;
      if (page.length === 0) break;
    }
    const change = page[cursor - pageStart] as Change;
    kindInFlight ??= pending[0]?.key.split("/")[0];
    if (pending.length > 0 && (pending.length >= MAX_OUTSTANDING || kindInFlight !== change.kind)) {
      await settle();
      // Identity Center usually finishes in seconds: wait here, within the budget, before handing back.
      while (pending.length > 0 && Date.now() - started < budget) {
        await sleep(pollMs);
        await settle();
      }
      if (pending.length > 0) return { done: false, waitSeconds: 2 };
      kindInFlight = undefined;
    }
    const last = Date.now();
    const applied = await applyChange(ctx, names, change);
    if (applied.pending) {
      pending.push(applied.pending);
      kindInFlight = change.kind;
    }
    cursor += 1;
    appliedHere += 1;
    await save();
    const spent = Date.now() - last;
    if (change.kind === "permissionSet" || change.kind === "assignment" || change.kind === "member")
      if (spent < interval) await sleep(interval - spent);
  }
  await settle();
  while (pending.length > 0 && Date.now() - started < budget) {
    await sleep(pollMs);
    await settle();
  }
  return pending.length > 0 ? { done: false, waitSeconds: 2 } : { done: true, waitSeconds: 0 };
}

/** Task `FinishApply`: the plan APPLIED and its document the current baseline, or FAILED with the reason. */
export async function finishApply(
  ctx: Ctx,
  planId: string,
  error: { Error: string; Cause?: string } | undefined,
): Promise<{ status: Plan["status"] }> {
  const plan = await loadPlan(ctx, planId);
  if (plan.status !== "APPLYING") return { status: plan.status };
  if (error) {
    await ctx.baselines.update(planId, {
      status: "FAILED",
      error: errorOf(error),
      updatedAt: ctx.clock().toISOString(),
    });
    return { status: "FAILED" };
  }
  await ctx.baselines.markApplied(plan, ctx.clock().toISOString());
  ctx.logger.info("Baseline applied", { planId });
  return { status: "APPLIED" };
}

/**
 * Plans and applies a document in this process, to the end: local mode's seed, which builds the
 * reference organisation by applying `examples/baseline.yaml`. The plan is recorded as every plan is,
 * so `GET /baseline` shows it and vending follows it. With `onlyFirst`, nothing is done once any
 * baseline was applied: a restarted local mode keeps what its user applied since.
 */
export async function applyInProcess(
  ctx: Ctx,
  document: unknown,
  options: { onlyFirst?: boolean } = {},
): Promise<Plan | undefined> {
  if (options.onlyFirst && (await ctx.baselines.current())) return undefined;
  const checked = validateBaseline(document);
  if (!checked.ok) throw new ValidationError("The baseline document is invalid", checked.issues);
  const now = ctx.clock().toISOString();
  const plan: Plan = {
    planId: newPlanId(ctx.clock()),
    status: "PLANNING",
    prune: false,
    baseline: checked.baseline as Record<string, unknown>,
    createdBy: "seed",
    createdAt: now,
    updatedAt: now,
  };
  const result = await computePlan(ctx, plan, await readOrganisation(ctx));
  await ctx.baselines.create(plan);
  await ctx.baselines.putChanges(plan.planId, result.changes);
  await ctx.baselines.update(plan.planId, {
    status: "APPLYING",
    summary: result.summary,
    total: result.changes.length,
    unmanaged: result.unmanaged,
    refused: result.refused,
    cursor: 0,
    pending: [],
    updatedAt: now,
  });
  for (;;) {
    const step = await applyChanges(ctx, plan.planId);
    if (step.done) break;
    await sleep(step.waitSeconds * 100);
  }
  await finishApply(ctx, plan.planId, undefined);
  return loadPlan(ctx, plan.planId);
}

/**
 * The execution monitor's part for `baseline`: a plan whose execution ended FAILED, TIMED_OUT or ABORTED
 * before FinishPlan or FinishApply ran is ended FAILED with the execution's error; a plan already ended
 * is left alone. False when nothing changed.
 */
export async function recordBaselineExecutionFailure(
  ctx: Ctx,
  change: ExecutionStatusChange,
): Promise<boolean> {
  if (!change.stateMachineArn.endsWith("baseline")) return false;
  const subject = executionSubject(change, "planId", ctx.logger);
  const plan = await ctx.baselines.get(subject.id ?? subject.name.replace(/-apply$/, ""));
  if (plan?.status !== "PLANNING" && plan?.status !== "APPLYING") return false;
  const error = {
    Error: change.error ?? `States.${change.status}`,
    Cause: change.cause ?? `ended ${change.status}`,
  };
  const ended =
    plan.status === "PLANNING"
      ? await finishPlan(ctx, plan.planId, error)
      : await finishApply(ctx, plan.planId, error);
  return ended.status === "FAILED";
}
