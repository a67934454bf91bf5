import { createHash, randomBytes } from "node:crypto";
import { coveringRule } from "../approvals/rules";
import { standingAssignments } from "../baseline/standing";
import { canonicalJson } from "../canonical-json";
import type { CoreContext } from "../context";
import { ConflictError, type FieldIssue, ValidationError } from "../errors";
import { APPROVAL_REQUESTED, type ApprovalRequested } from "../events/approvals";
import { publishSafely } from "../events/publisher";
import { assertLeasable, leaseEnd } from "../leases/lease";
import { METRIC } from "../metrics";
import { findGroupId, identityCenter, permissionSetsByName, resolveOu } from "../org/directory";
import type { ResolvedGrant, ResolvedRequest, VendRequestRecord } from "../store/requests/record";
import { IdempotencyKeySchema, parseVendRequest, type VendRequest } from "../store/requests/request";
import type { VendInput } from "./state";

/** What taking a vend request needs (the API and the Slack worker both take them). */
export type SubmitContext = Pick<
  CoreContext,
  | "clients"
  | "config"
  | "retry"
  | "store"
  | "clock"
  | "logger"
  | "workflows"
  | "events"
  | "metrics"
  | "baselines"
>;
type Ctx = SubmitContext;

export interface SubmitOptions {
  body: unknown;
  idempotencyKey?: string;
  requester?: string;
}

export interface SubmitResult {
  record: VendRequestRecord;
  /** False when an identical earlier request was returned instead. */
  created: boolean;
}

export function payloadHash(request: VendRequest): string {
  return createHash("sha256").update(canonicalJson(request)).digest("hex");
}

/** A time-ordered, URL- and execution-name-safe request id. */
export function newRequestId(now: Date): string {
  return `req-${now.getTime().toString(36)}-${randomBytes(6).toString("hex")}`;
}

/** Resolves the OU, groups and permission sets, listing every reference that does not exist. */
export async function resolveReferences(ctx: Ctx, request: VendRequest): Promise<ResolvedRequest> {
  const issues: FieldIssue[] = [];
  const ou = await resolveOu(ctx, request.ou);
  if (!ou) issues.push({ path: "ou", message: `OU "${request.ou}" does not exist in the organisation` });
  const ic = await identityCenter(ctx);
  const access: ResolvedGrant[] = [];
  if (request.access?.length) {
    const sets = await permissionSetsByName(
      ctx,
      ic,
      request.access.flatMap((g) => g.permissionSets),
    );
    for (const [i, grant] of request.access.entries()) {
      const groupId = await findGroupId(ctx, ic, grant.group);
      if (!groupId)
        issues.push({
          path: `access.${i}.group`,
          message: `group "${grant.group}" does not exist in Identity Center`,
        });
      const permissionSets = grant.permissionSets.map((name, j) => {
        const arn = sets.get(name);
        if (!arn)
          issues.push({
            path: `access.${i}.permissionSets.${j}`,
            message: `permission set "${name}" does not exist`,
          });
        return { name, arn: arn ?? "" };
      });
      access.push({ group: grant.group, groupId: groupId ?? "", permissionSets });
    }
  }
  if (issues.length > 0 || !ou)
    throw new ValidationError("The request names things that do not exist", issues);
  access.push(...(await baselineGrants(ctx, ic, ou.path, access)));
  return {
    ouId: ou.id,
    ouPath: ou.path,
    instanceArn: ic.instanceArn,
    identityStoreId: ic.identityStoreId,
    access,
  };
}

/**
 * The standing assignments of the last applied baseline that cover an OU path (an assignment to an OU
 * covers every OU below it), less what the request grants itself: the vend makes them in the same
 * grant stage. A group or permission set the baseline names that no longer exists is drift, not a
 * reason to refuse the vend: it is logged and left out.
 */
export async function baselineGrants(
  ctx: Ctx,
  ic: Awaited<ReturnType<typeof identityCenter>>,
  ouPath: string,
  requested: ResolvedGrant[],
): Promise<ResolvedGrant[]> {
  const baseline = await standingAssignments(ctx);
  const granted = new Set(requested.flatMap((g) => g.permissionSets.map((ps) => `${g.group}/${ps.name}`)));
  const wanted = new Map<string, Set<string>>();
  for (const assignment of baseline?.assignments ?? []) {
    if (!assignment.ous.some((ou) => ouPath === ou || ouPath.startsWith(`${ou}/`))) continue;
    for (const ps of assignment.permissionSets) {
      if (granted.has(`${assignment.group}/${ps}`)) continue;
      wanted.set(assignment.group, (wanted.get(assignment.group) ?? new Set()).add(ps));
    }
  }
  if (wanted.size === 0) return [];
  const sets = await permissionSetsByName(
    ctx,
    ic,
    [...wanted.values()].flatMap((names) => [...names]),
  );
  const grants: ResolvedGrant[] = [];
  for (const [group, names] of wanted) {
    const groupId = await findGroupId(ctx, ic, group);
    const permissionSets = [...names].flatMap((name) => {
      const arn = sets.get(name);
      return arn ? [{ name, arn }] : [];
    });
    if (!groupId || permissionSets.length < names.size) {
      ctx.logger.warn("The baseline names a group or permission set Identity Center lacks: not granted", {
        group,
        permissionSets: [...names],
      });
    }
    if (groupId && permissionSets.length > 0)
      grants.push({ group, groupId, permissionSets, source: "baseline" });
  }
  return grants;
}

/** The workflow input for a recorded request. */
export function vendInput(record: VendRequestRecord): VendInput {
  return { requestId: record.requestId, request: record.request, resolved: record.resolved };
}

function sameRequestOrConflict(existing: VendRequestRecord, hash: string, why: string): SubmitResult {
  if (existing.payloadHash !== hash) {
    throw new ConflictError("CONFLICT", `${why} (request ${existing.requestId}) with a different payload`);
  }
  return { record: existing, created: false };
}

/**
 * Starts the workflow of a recorded request that has none yet (a crash between record and start).
 * A request waiting for approval, or rejected or expired, has no workflow to start.
 */
async function ensureStarted(ctx: Ctx, result: SubmitResult): Promise<SubmitResult> {
  if (result.record.executionArn || result.record.status !== "PENDING") return result;
  return { ...result, record: await startExecution(ctx, result.record, "start") };
}

/** Starts an execution named after the request (plus the attempt for restarts) and records it. */
export async function startExecution(
  ctx: Pick<CoreContext, "store" | "workflows" | "clock" | "logger" | "metrics">,
  record: VendRequestRecord,
  kind: "start" | "restart",
): Promise<VendRequestRecord> {
  const name = kind === "start" ? record.requestId : `${record.requestId}-${record.attempts.length + 1}`;
  const { executionArn } = await ctx.workflows.start("vend-account", name, vendInput(record));
  const at = ctx.clock().toISOString();
  // The execution exists: recorded, and the request RUNNING (unless it has already moved on), in one write.
  const now = await ctx.store.recordStart(record.requestId, { kind, executionArn, at }, at);
  ctx.logger.info("Started vend-account execution", { requestId: record.requestId, executionArn });
  if (kind === "start") ctx.metrics.add(METRIC.vendsStarted, "Count", 1);
  return now ?? { ...record, executionArn };
}

/**
 * `POST /accounts`: validates, resolves, records, then starts the workflow. The same
 * request twice returns the first; the same email or key with another payload is a conflict.
 * An email that an account outside Quartermaster uses is accepted here and fails at CreateAccount.
 */
export async function submitVendRequest(ctx: Ctx, options: SubmitOptions): Promise<SubmitResult> {
  if (
    options.idempotencyKey !== undefined &&
    !IdempotencyKeySchema.safeParse(options.idempotencyKey).success
  ) {
    throw new ValidationError("Invalid Idempotency-Key header", [
      { path: "Idempotency-Key", message: "must be 1-64 of A-Z a-z 0-9 _ -" },
    ]);
  }
  const request = parseVendRequest(options.body, ctx.config.defaultOu);
  const hash = payloadHash(request);

  if (options.idempotencyKey) {
    const byKey = await ctx.store.get(options.idempotencyKey);
    if (byKey)
      return ensureStarted(ctx, sameRequestOrConflict(byKey, hash, "The Idempotency-Key was already used"));
  }
  const byEmail = await ctx.store.getByEmail(request.email);
  if (byEmail)
    return ensureStarted(ctx, sameRequestOrConflict(byEmail, hash, "The email is already used by a request"));

  // Email uniqueness: our own reservations above (one key read). An account outside Quartermaster that
  // uses the email is AWS's to report at CreateAccount (EMAIL_ALREADY_EXISTS): the request path never
  // lists the organisation's accounts, so its cost does not grow with the organisation (DESIGN rule 12).
  const resolved = await resolveReferences(ctx, request);

  const ou = { id: resolved.ouId, path: resolved.ouPath };
  if (request.lease) await assertLeasable(ctx, ou);
  const rule = await coveringRule(ctx, ou);
  const clock = ctx.clock();
  const lease = request.lease
    ? { expiresAt: leaseEnd(request.lease, clock, "lease."), status: "ACTIVE" as const }
    : undefined;
  const now = clock.toISOString();
  const record: VendRequestRecord = {
    requestId: options.idempotencyKey ?? newRequestId(clock),
    status: rule ? "PENDING_APPROVAL" : "PENDING",
    request,
    resolved,
    payloadHash: hash,
    steps: {},
    attempts: [],
    requester: options.requester,
    ...(lease ? { lease } : {}),
    ...(rule
      ? {
          approval: {
            rule: { ous: rule.ous, approvers: rule.approvers },
            expiresAt: new Date(
              clock.getTime() + ctx.config.approvals.expireAfterHours * 3_600_000,
            ).toISOString(),
            refused: [],
            refusedCount: 0,
          },
        }
      : {}),
    createdAt: now,
    updatedAt: now,
  };
  const created = await ctx.store.create(record);
  if (!created.created) {
    return ensureStarted(
      ctx,
      sameRequestOrConflict(created.existing, hash, "A concurrent request holds this key or email"),
    );
  }
  if (record.approval) {
    // Nothing is created in AWS until an approver decides: the request waits, and Slack asks.
    ctx.logger.info("Request waits for approval", { requestId: record.requestId, ou: resolved.ouPath });
    await publishSafely(ctx, APPROVAL_REQUESTED, approvalRequested(record, record.approval.expiresAt));
    return { record, created: true };
  }
  return { record: await startExecution(ctx, record, "start"), created: true };
}

function approvalRequested(record: VendRequestRecord, expiresAt: string): ApprovalRequested {
  return {
    requestId: record.requestId,
    accountName: record.request.name,
    email: record.request.email,
    ouPath: record.resolved.ouPath,
    requester: record.requester,
    access: record.request.access ?? [],
    budget: record.request.budget ? { monthlyLimitUsd: record.request.budget.monthlyLimitUsd } : undefined,
    lease: record.lease ? { expiresAt: record.lease.expiresAt } : undefined,
    approvers: record.approval?.rule.approvers ?? [],
    expiresAt,
  };
}
