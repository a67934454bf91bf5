import { DescribeAccountCommand } from "@aws-sdk/client-organizations";
import * as z from "zod";
import type { CoreContext } from "../context";
import type { RequestPage, RequestView } from "../contract";
import { ConflictError, ValidationError } from "../errors";
import { accountState } from "../org/directory";
import { REQUEST_STATUSES, refusedCount, type VendRequestRecord } from "../store/requests/record";
import { storedRequest } from "../store/requests/store";
import { toFieldIssues } from "../validation";
import { VEND_STEPS } from "./stages";
import { startExecution } from "./submit";

type Ctx = Pick<
  CoreContext,
  "clients" | "config" | "retry" | "store" | "clock" | "logger" | "workflows" | "events" | "metrics"
>;

export function presentRequest(record: VendRequestRecord): RequestView {
  return {
    requestId: record.requestId,
    status: record.status,
    request: record.request,
    accountId: record.accountId,
    ouId: record.ouId ?? record.resolved.ouId,
    ouPath: record.resolved.ouPath,
    grants: record.resolved.access.flatMap((grant) =>
      grant.permissionSets.map((ps) => ({
        group: grant.group,
        permissionSet: ps.name,
        source: grant.source ?? ("request" as const),
      })),
    ),
    steps: VEND_STEPS.flatMap((name) => {
      const step = record.steps[name];
      return step ? [step] : [];
    }),
    error: record.error,
    executionArn: record.executionArn,
    attempts: record.attempts ?? [],
    requester: record.requester,
    approval: record.approval && { ...record.approval, refusedCount: refusedCount(record.approval) },
    lease: record.lease,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** `GET /accounts/requests/{id}`. */
export async function getRequest(ctx: Pick<Ctx, "store">, requestId: string): Promise<RequestView> {
  return presentRequest(await storedRequest(ctx, requestId));
}

export const ListQuerySchema = z.strictObject({
  status: z.enum(REQUEST_STATUSES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  // The token's own checks (length, shape) are the store's: a forged token is a 400, not a 422.
  next: z.string().min(1).optional(),
});

/** `GET /accounts/requests`: newest first, filtered by status, paginated. */
export async function listRequests(
  ctx: Pick<Ctx, "store">,
  query: Record<string, string | undefined>,
): Promise<RequestPage> {
  const parsed = ListQuerySchema.safeParse(query);
  if (!parsed.success) {
    throw new ValidationError("Invalid query", toFieldIssues(parsed.error, "(query)"));
  }
  const page = await ctx.store.list({
    status: parsed.data.status as VendRequestRecord["status"] | undefined,
    limit: parsed.data.limit,
    next: parsed.data.next,
  });
  return { items: page.items.map(presentRequest), next: page.next };
}

async function accountStillActive(ctx: Ctx, accountId: string | undefined): Promise<boolean> {
  if (!accountId) return true;
  const out = await ctx.clients.organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
  return accountState(out.Account ?? {}) === "ACTIVE";
}

/**
 * `POST /accounts/requests/{id}/retry`: redrives the failed execution when Step Functions
 * allows it, else starts a new one with the same input (the steps converge).
 */
export async function retryRequest(ctx: Ctx, requestId: string): Promise<RequestView> {
  const record = await storedRequest(ctx, requestId);
  if (record.status === "SUCCEEDED")
    throw new ConflictError("NOT_RETRYABLE", `Request ${requestId} has already succeeded`);
  if (record.status === "PENDING_APPROVAL" || record.status === "REJECTED" || record.status === "EXPIRED")
    throw new ConflictError(
      "NOT_RETRYABLE",
      `Request ${requestId} is ${record.status}: only an approved request that failed can be retried`,
    );
  const execution = record.executionArn ? await ctx.workflows.describe(record.executionArn) : undefined;
  if (record.status === "RUNNING" || execution?.status === "RUNNING") {
    throw new ConflictError("NOT_RETRYABLE", `Request ${requestId} is still running`);
  }
  const at = ctx.clock().toISOString();
  const seen = { status: record.status, attempts: record.attempts.length };
  if (!(await ctx.store.reset(requestId, at, seen))) {
    throw new ConflictError("NOT_RETRYABLE", `Another retry of request ${requestId} was accepted first`);
  }
  // A redrive resumes after the create step; an account closed since then must meet that step again,
  // which refuses (naming its state) to adopt an account that is not ACTIVE.
  const redrive = execution?.redrivable === true && (await accountStillActive(ctx, record.accountId));
  if (record.executionArn && redrive) {
    await ctx.workflows.redrive(record.executionArn);
    await ctx.store.addAttempt(requestId, { kind: "redrive", executionArn: record.executionArn, at }, at);
    await ctx.store.markRunning(requestId, at);
    ctx.logger.info("Redrove execution", { requestId, executionArn: record.executionArn });
  } else {
    await startExecution(ctx, record, record.executionArn ? "restart" : "start");
  }
  return getRequest(ctx, requestId);
}
