import { ApproveBodySchema, RejectBodySchema } from "@quartermaster/core/approvals/decide";
import { emailOfCaller } from "@quartermaster/core/approvals/identity";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import { BASELINE_LIMITS } from "@quartermaster/core/baseline/document";
import {
  currentBaseline,
  exportOrganisation,
  getPlan,
  startApply,
  submitPlan,
} from "@quartermaster/core/baseline/run";
import { getReconcile, startReconcile } from "@quartermaster/core/budgets/jobs";
import { getCleanupRun, retryCleanupRun, startCleanupRun } from "@quartermaster/core/cleanup/run";
import { closeFromApi, getClosure, listClosures } from "@quartermaster/core/closures/request";
import type { CoreContext } from "@quartermaster/core/context";
import { checkLink, getDriftCheck, startDriftCheck } from "@quartermaster/core/drift/check";
import { getDriftRepair, repairLink, startDriftRepair } from "@quartermaster/core/drift/repair";
import { ValidationError } from "@quartermaster/core/errors";
import { changeLease } from "@quartermaster/core/leases/sweep";
import { listProfiles, profilesIni } from "@quartermaster/core/profiles/profiles";
import { toFieldIssues } from "@quartermaster/core/validation";
import { decideRequest } from "@quartermaster/core/vending/decide";
import { getRequest, listRequests, presentRequest, retryRequest } from "@quartermaster/core/vending/operate";
import { submitVendRequest } from "@quartermaster/core/vending/submit";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ApiEnvSchema } from "./env";
import { json, parseJsonBody, pathParam, text } from "./http";
import { withHttp } from "./middleware";
import { openApiDocument } from "./openapi";
import { REQUEST_CLIENTS } from "./request-clients";
import { type ContextSource, lambdaContext } from "./runtime";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = REQUEST_CLIENTS;

/** Who is calling: the email of the person behind the request, where it can be known. */
export type CallerEmail = (ctx: CoreContext, event: APIGatewayProxyEventV2) => Promise<string | undefined>;

export type Route = (
  ctx: CoreContext,
  event: APIGatewayProxyEventV2,
  caller: () => Promise<string | undefined>,
) => Promise<APIGatewayProxyStructuredResultV2>;

const requestLink = (id: string) => `/accounts/requests/${encodeURIComponent(id)}`;
const runLink = (id: string) => `/cleanup/runs/${encodeURIComponent(id)}`;
const reconcileLink = (id: string) => `/budgets/reconcile/${encodeURIComponent(id)}`;
const closureLink = (id: string) => `/closures/${encodeURIComponent(id)}`;
const planLink = (id: string) => `/baseline/plans/${encodeURIComponent(id)}`;

function callerArn(event: APIGatewayProxyEventV2): string | undefined {
  // With AWS_IAM authorisation API Gateway puts the caller's ARN in the request context.
  const ctx = event.requestContext as { authorizer?: { iam?: { userArn?: string } } };
  return ctx.authorizer?.iam?.userArn;
}

/** In AWS: the Identity Center user behind the caller's SSO session (by its IAM ARN), by email. */
export const iamCallerEmail: CallerEmail = (ctx, event) => emailOfCaller(ctx, callerArn(event));

function decisionBody(
  event: APIGatewayProxyEventV2,
  schema: typeof ApproveBodySchema | typeof RejectBodySchema,
) {
  const parsed = schema.safeParse(parseJsonBody(event, { optional: true }));
  if (!parsed.success) throw new ValidationError("Invalid decision", toFieldIssues(parsed.error));
  return parsed.data;
}

function decisionRoute(action: "approve" | "reject"): Route {
  return async (ctx, event, caller) => {
    const body = decisionBody(event, action === "approve" ? ApproveBodySchema : RejectBodySchema);
    const record = await decideRequest(ctx, {
      requestId: pathParam(event, "requestId"),
      action,
      by: await caller(),
      reason: body.reason,
      via: "api",
    });
    return json(202, presentRequest(record), { location: requestLink(record.requestId) });
  };
}

/** Route key (as API Gateway names it) -> handler. Every route of docs/api.md is here. */
export const ROUTES: Record<string, Route> = {
  "GET /health": async () => json(200, { ok: true }),
  "GET /openapi.json": async () => json(200, openApiDocument()),
  "POST /accounts": async (ctx, event, caller) => {
    const body = parseJsonBody(event);
    const { record } = await submitVendRequest(ctx, {
      body,
      idempotencyKey: event.headers["idempotency-key"],
      // An email where the caller's identity gives one, else the caller's IAM ARN.
      requester: (await caller()) ?? callerArn(event),
    });
    const self = requestLink(record.requestId);
    return json(
      202,
      {
        requestId: record.requestId,
        status: record.status,
        executionArn: record.executionArn,
        links: { self },
      },
      { location: self },
    );
  },
  "GET /accounts/requests": async (ctx, event) =>
    json(200, await listRequests(ctx, event.queryStringParameters ?? {})),
  "GET /accounts/requests/{requestId}": async (ctx, event) =>
    json(200, await getRequest(ctx, pathParam(event, "requestId"))),
  "POST /accounts/requests/{requestId}/retry": async (ctx, event) => {
    const view = await retryRequest(ctx, pathParam(event, "requestId"));
    return json(202, view, { location: requestLink(view.requestId) });
  },
  "POST /accounts/requests/{requestId}/lease": async (ctx, event) =>
    json(200, presentRequest(await changeLease(ctx, pathParam(event, "requestId"), parseJsonBody(event)))),
  "POST /accounts/{accountId}/close": async (ctx, event) => {
    const outcome = await closeFromApi(
      ctx,
      pathParam(event, "accountId"),
      parseJsonBody(event, { optional: true }),
    );
    if ("dryRun" in outcome) return json(200, outcome);
    const self = closureLink(outcome.closureId);
    return json(
      202,
      { closureId: outcome.closureId, status: outcome.status, links: { self } },
      { location: self },
    );
  },
  "GET /closures": async (ctx, event) =>
    json(200, await listClosures(ctx, event.queryStringParameters ?? {})),
  "GET /closures/{closureId}": async (ctx, event) =>
    json(200, await getClosure(ctx, pathParam(event, "closureId"))),
  "POST /accounts/requests/{requestId}/approve": decisionRoute("approve"),
  "POST /accounts/requests/{requestId}/reject": decisionRoute("reject"),
  "POST /cleanup/runs": async (ctx, event) => {
    const run = await startCleanupRun(ctx, parseJsonBody(event, { optional: true }));
    const self = runLink(run.runId);
    return json(
      202,
      { runId: run.runId, status: run.status, dryRun: run.dryRun, links: { self } },
      { location: self },
    );
  },
  "POST /budgets/reconcile": async (ctx, event) => {
    // It takes no options: an empty body or {} only, so a stray payload is refused, not ignored.
    const job = await startReconcile(ctx, parseJsonBody(event, { optional: true }));
    const self = reconcileLink(job.reconcileId);
    return json(
      202,
      { reconcileId: job.reconcileId, status: job.status, links: { self } },
      { location: self },
    );
  },
  "GET /budgets/reconcile/{reconcileId}": async (ctx, event) =>
    json(200, await getReconcile(ctx, pathParam(event, "reconcileId"), event.queryStringParameters ?? {})),
  "POST /baseline/plans": async (ctx, event, caller) => {
    const body = parseJsonBody(event, { maxBytes: BASELINE_LIMITS.documentBytes + 1024 });
    const plan = await submitPlan(ctx, body, (await caller()) ?? callerArn(event));
    const self = planLink(plan.planId);
    return json(202, { planId: plan.planId, status: plan.status, links: { self } }, { location: self });
  },
  "GET /baseline/plans/{planId}": async (ctx, event) =>
    json(200, await getPlan(ctx, pathParam(event, "planId"), event.queryStringParameters ?? {})),
  "POST /baseline/plans/{planId}/apply": async (ctx, event, caller) => {
    const view = await startApply(
      ctx,
      pathParam(event, "planId"),
      parseJsonBody(event, { optional: true }),
      (await caller()) ?? callerArn(event),
    );
    return json(202, view, { location: planLink(view.planId) });
  },
  "GET /baseline": async (ctx) => {
    const { plannedAt: _plannedAt, ...current } = await currentBaseline(ctx);
    return json(200, current);
  },
  "GET /baseline/export": async (ctx, event) =>
    json(200, await exportOrganisation(ctx, event.queryStringParameters ?? {})),
  "POST /drift/checks": async (ctx, event, caller) => {
    const check = await startDriftCheck(
      ctx,
      parseJsonBody(event, { optional: true }),
      (await caller()) ?? callerArn(event),
    );
    const self = checkLink(check.checkId);
    return json(202, { checkId: check.checkId, status: check.status, links: { self } }, { location: self });
  },
  "GET /drift/checks/{checkId}": async (ctx, event) =>
    json(200, await getDriftCheck(ctx, pathParam(event, "checkId"), event.queryStringParameters ?? {})),
  "POST /drift/checks/{checkId}/repair": async (ctx, event, caller) => {
    const repair = await startDriftRepair(
      ctx,
      pathParam(event, "checkId"),
      parseJsonBody(event, { optional: true }),
      (await caller()) ?? callerArn(event),
    );
    const self = repairLink(repair.repairId);
    return json(
      202,
      { repairId: repair.repairId, checkId: repair.checkId, status: repair.status, links: { self } },
      { location: self },
    );
  },
  "GET /drift/repairs/{repairId}": async (ctx, event) =>
    json(200, await getDriftRepair(ctx, pathParam(event, "repairId"))),
  "GET /profiles": async (ctx, event, caller) => {
    const { format, profiles } = await listProfiles(ctx, event.queryStringParameters ?? {}, caller);
    if (format === "ini") return text(200, profilesIni(profiles));
    return json(200, {
      profiles: profiles.map(({ requestId: _requestId, ...profile }) => profile),
    });
  },
  "GET /cleanup/runs/{runId}": async (ctx, event) =>
    json(200, await getCleanupRun(ctx, pathParam(event, "runId"), event.queryStringParameters ?? {})),
  "POST /cleanup/runs/{runId}/retry": async (ctx, event) => {
    const run = await retryCleanupRun(ctx, pathParam(event, "runId"));
    return json(202, run, { location: runLink(run.runId) });
  },
};

export interface ApiHandlerOptions {
  routes?: Record<string, Route>;
  /** How the caller is identified: IAM's SSO session in AWS, local mode's header locally. */
  callerEmail?: CallerEmail;
}

/** Dispatches an API Gateway (HTTP API, payload v2) event; errors become the API's error shape in `withHttp`. */
export function makeApiHandler(source: ContextSource, options: ApiHandlerOptions = {}) {
  const routes = options.routes ?? ROUTES;
  const callerEmail = options.callerEmail ?? iamCallerEmail;
  return withHttp(source, async (event, ctx) => {
    const route = routes[event.routeKey];
    if (!route) return json(404, { error: { code: "NOT_FOUND", message: `No route ${event.routeKey}` } });
    let caller: Promise<string | undefined> | undefined;
    return route(ctx, event, () => {
      caller ??= callerEmail(ctx, event);
      return caller;
    });
  });
}

export const handler = makeApiHandler(lambdaContext(ApiEnvSchema, CLIENTS));
