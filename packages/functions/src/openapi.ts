import { ApproveBodySchema, RejectBodySchema } from "@quartermaster/core/approvals/decide";
import { PlanPageQuerySchema, PlanRequestSchema } from "@quartermaster/core/baseline/run";
import { ReconcilePageQuerySchema } from "@quartermaster/core/budgets/jobs";
import { CleanupRequestSchema, RunPageQuerySchema } from "@quartermaster/core/cleanup/run";
import { CloseRequestSchema, ClosureListQuerySchema } from "@quartermaster/core/closures/request";
import {
  AppliedBaselineViewSchema,
  BaselineExportSchema,
  CleanupAcceptedSchema,
  CleanupRunSchema,
  ClosureAcceptedSchema,
  ClosureDryRunSchema,
  ClosurePageSchema,
  ClosureViewSchema,
  DriftCheckAcceptedSchema,
  DriftCheckViewSchema,
  DriftRepairAcceptedSchema,
  DriftRepairViewSchema,
  ErrorBodySchema,
  HealthSchema,
  PlanAcceptedSchema,
  PlanViewSchema,
  ProfilesViewSchema,
  ReconcileAcceptedSchema,
  ReconcileJobViewSchema,
  RequestPageSchema,
  RequestViewSchema,
  SlackAnswerSchema,
  VendAcceptedSchema,
} from "@quartermaster/core/contract";
import { CheckPageQuerySchema } from "@quartermaster/core/drift/check";
import { RepairRequestSchema } from "@quartermaster/core/drift/repair";
import { ProfilesQuerySchema } from "@quartermaster/core/profiles/profiles";
import {
  IdempotencyKeySchema,
  LeaseRequestSchema,
  VendRequestSchema,
} from "@quartermaster/core/store/requests/request";
import { ListQuerySchema } from "@quartermaster/core/vending/operate";
import * as z from "zod";

type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema: requests as the handler accepts them, responses as it returns them. */
const schema = (s: z.ZodType, io: "input" | "output" = "input"): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
};

const json = (s: JsonSchema) => ({ content: { "application/json": { schema: s } } });
const error = (description: string) => ({ description, ...json({ $ref: "#/components/schemas/Error" }) });
const ok = (description: string, body: keyof typeof RESPONSES) => ({
  description,
  ...json({ $ref: `#/components/schemas/${body}` }),
});

/** Every response body, from the contract's schemas. */
const RESPONSES = {
  RequestView: RequestViewSchema,
  RequestPage: RequestPageSchema,
  VendAccepted: VendAcceptedSchema,
  CleanupRun: CleanupRunSchema,
  CleanupAccepted: CleanupAcceptedSchema,
  ReconcileAccepted: ReconcileAcceptedSchema,
  ReconcileJob: ReconcileJobViewSchema,
  Health: HealthSchema,
  SlackAnswer: SlackAnswerSchema,
  Closure: ClosureViewSchema,
  ClosurePage: ClosurePageSchema,
  ClosureAccepted: ClosureAcceptedSchema,
  ClosureDryRun: ClosureDryRunSchema,
  PlanAccepted: PlanAcceptedSchema,
  Plan: PlanViewSchema,
  AppliedBaseline: AppliedBaselineViewSchema,
  BaselineExport: BaselineExportSchema,
  Profiles: ProfilesViewSchema,
  DriftCheckAccepted: DriftCheckAcceptedSchema,
  DriftCheck: DriftCheckViewSchema,
  DriftRepairAccepted: DriftRepairAcceptedSchema,
  DriftRepair: DriftRepairViewSchema,
} as const;
const pathParam = (name: string) => ({ name, in: "path", required: true, schema: { type: "string" } });

/** A list route's query parameters, each optional, from the zod schema its handler parses. */
const queryParams = (query: z.ZodType) =>
  Object.entries((schema(query) as { properties: Record<string, JsonSchema> }).properties).map(
    ([name, s]) => ({ name, in: "query", required: false, schema: s }),
  );

/** `/approve` and `/reject`: the same answers, but for what is accepted and what the body needs. */
const decisionOperation = (o: { summary: string; body: string; accepted: string; invalid: string }) => ({
  summary: o.summary,
  parameters: [pathParam("requestId")],
  requestBody: { required: o.body === "RejectRequest", ...json({ $ref: `#/components/schemas/${o.body}` }) },
  responses: {
    "202": ok(o.accepted, "RequestView"),
    "403": error("The caller is not an approver of the rule covering the request, or is its requester"),
    "404": error("Unknown id"),
    "409": error("Not PENDING_APPROVAL (decided or expired)"),
    "422": error(o.invalid),
  },
});

/** What every operation but the two unauthenticated reads may also answer (docs/api.md). */
const COMMON_ERRORS = {
  "400": "Malformed input: bad JSON, a duplicate key, a path id that is not valid percent-encoding",
  "503": "A transient AWS or store failure; retry after Retry-After",
};

/** The OpenAPI 3.1 document of the API, built from the handlers' own zod schemas. */
export function openApiDocument(): JsonSchema {
  const document = baseDocument();
  for (const [path, operations] of Object.entries(
    document.paths as Record<string, Record<string, JsonSchema>>,
  )) {
    if (path === "/health" || path === "/openapi.json") continue;
    for (const operation of Object.values(operations)) {
      const responses = operation.responses as Record<string, unknown>;
      for (const [status, description] of Object.entries(COMMON_ERRORS))
        responses[status] ??= error(description);
    }
  }
  return document;
}

function baseDocument(): JsonSchema {
  return {
    openapi: "3.1.0",
    info: {
      title: "Quartermaster",
      version: "1",
      description: "A serverless control plane for AWS Organizations.",
    },
    security: [{ sigv4: [] }],
    components: {
      securitySchemes: {
        sigv4: {
          type: "apiKey",
          name: "Authorization",
          in: "header",
          description: "AWS SigV4 (execute-api)",
        },
        slackSignature: {
          type: "apiKey",
          name: "X-Slack-Signature",
          in: "header",
          description:
            "Slack's v0 signature: HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>` with the signing secret; the timestamp within 5 minutes of now",
        },
      },
      schemas: {
        Error: schema(ErrorBodySchema, "output"),
        ...Object.fromEntries(Object.entries(RESPONSES).map(([name, s]) => [name, schema(s, "output")])),
        VendRequest: schema(VendRequestSchema),
        ApproveRequest: schema(ApproveBodySchema),
        RejectRequest: schema(RejectBodySchema),
        CloseRequest: schema(CloseRequestSchema),
        LeaseRequest: schema(LeaseRequestSchema),
        CleanupRequest: schema(CleanupRequestSchema),
        PlanRequest: schema(PlanRequestSchema),
        DriftRepairRequest: schema(RepairRequestSchema),
      },
    },
    paths: {
      "/accounts": {
        post: {
          summary: "Vend a new account",
          parameters: [
            { name: "Idempotency-Key", in: "header", required: false, schema: schema(IdempotencyKeySchema) },
          ],
          requestBody: { required: true, ...json({ $ref: "#/components/schemas/VendRequest" }) },
          responses: {
            "202": ok("Accepted: the workflow has started", "VendAccepted"),
            "400": error("Malformed JSON"),
            "409": error("The email is used by a different request or account"),
            "413": error("Body over 64 KB"),
            "415": error("Body is not application/json"),
            "422": error("Validation failed; every failing field is listed"),
          },
        },
      },
      "/accounts/requests": {
        get: {
          summary: "List requests, newest first",
          parameters: queryParams(ListQuerySchema),
          responses: { "200": ok("A page of requests", "RequestPage"), "422": error("Invalid query") },
        },
      },
      "/accounts/requests/{requestId}": {
        get: {
          summary: "One request with its steps",
          parameters: [pathParam("requestId")],
          responses: { "200": ok("The request", "RequestView"), "404": error("Unknown id") },
        },
      },
      "/accounts/requests/{requestId}/retry": {
        post: {
          summary: "Redrive the failed execution, or start a new one",
          parameters: [pathParam("requestId")],
          responses: {
            "202": ok("Retry started", "RequestView"),
            "404": error("Unknown id"),
            "409": error("Running or succeeded"),
          },
        },
      },
      "/accounts/requests/{requestId}/approve": {
        post: decisionOperation({
          summary: "Approve a request waiting for approval; its workflow starts",
          body: "ApproveRequest",
          accepted: "Approved: the workflow has started",
          invalid: "Validation failed",
        }),
      },
      "/accounts/requests/{requestId}/reject": {
        post: decisionOperation({
          summary: "Reject a request waiting for approval; it ends REJECTED",
          body: "RejectRequest",
          accepted: "Rejected",
          invalid: "Validation failed: a reason is required",
        }),
      },
      "/accounts/requests/{requestId}/lease": {
        post: {
          summary: "Extend or shorten an active lease",
          parameters: [pathParam("requestId")],
          requestBody: { required: true, ...json({ $ref: "#/components/schemas/LeaseRequest" }) },
          responses: {
            "200": ok("The request with its new lease", "RequestView"),
            "404": error("Unknown id"),
            "409": error("The request has no lease, or its lease is over"),
            "415": error("Body is not application/json"),
            "422": error(
              "Validation failed: hours 1-2160, or expiresAt in the future and at most 90 days ahead",
            ),
          },
        },
      },
      "/accounts/{accountId}/close": {
        post: {
          summary: "Close an account under the closable OUs: clean-up, CloseAccount, move to the closed OU",
          parameters: [pathParam("accountId")],
          requestBody: { required: false, ...json({ $ref: "#/components/schemas/CloseRequest" }) },
          responses: {
            "200": ok(
              "dryRun: what would be cleaned and where the account would go; nothing changed",
              "ClosureDryRun",
            ),
            "202": ok("Accepted: the closure (the same one for the same account)", "ClosureAccepted"),
            "403": error(
              "The management account, Quartermaster's own, or an account outside the closable OUs",
            ),
            "404": error("Not in the organisation"),
            "409": error("The account is not ACTIVE"),
            "422": error("Validation failed"),
          },
        },
      },
      "/closures": {
        get: {
          summary: "Closures, newest first",
          parameters: queryParams(ClosureListQuerySchema),
          responses: { "200": ok("A page of closures", "ClosurePage"), "422": error("Invalid query") },
        },
      },
      "/closures/{closureId}": {
        get: {
          summary: "One closure with its steps",
          parameters: [pathParam("closureId")],
          responses: { "200": ok("The closure", "Closure"), "404": error("Unknown id") },
        },
      },
      "/slack/interactions": {
        post: {
          summary: "Slack's interactivity URL: the Approve and Deny buttons (qm_approve, qm_deny)",
          security: [{ slackSignature: [] }],
          requestBody: {
            required: true,
            content: {
              "application/x-www-form-urlencoded": {
                schema: {
                  type: "object",
                  properties: { payload: { type: "string" } },
                  required: ["payload"],
                },
              },
            },
          },
          responses: {
            "200": { description: "Acknowledged; the outcome is posted to the payload's response_url" },
            "401": error("A bad or missing signature, or a timestamp more than 5 minutes from now"),
          },
        },
      },
      "/slack/commands": {
        post: {
          summary: "Slack's slash-command URL for /vend (the flags of qm vend)",
          security: [{ slackSignature: [] }],
          requestBody: {
            required: true,
            content: {
              "application/x-www-form-urlencoded": {
                schema: {
                  type: "object",
                  properties: {
                    command: { type: "string" },
                    text: { type: "string" },
                    user_id: { type: "string" },
                    response_url: { type: "string" },
                  },
                },
              },
            },
          },
          responses: {
            "200": ok(
              "An ephemeral answer naming the request id and status, or every validation error",
              "SlackAnswer",
            ),
            "401": error("A bad or missing signature, or a timestamp more than 5 minutes from now"),
          },
        },
      },
      "/cleanup/runs": {
        post: {
          summary: "Start a sandbox clean-up run",
          requestBody: { required: false, ...json({ $ref: "#/components/schemas/CleanupRequest" }) },
          responses: { "202": ok("Run started", "CleanupAccepted"), "422": error("Validation failed") },
        },
      },
      "/cleanup/runs/{runId}": {
        get: {
          summary: "A clean-up run's report: its whole summary, and a page of its accounts and refusals",
          parameters: [pathParam("runId"), ...queryParams(RunPageQuerySchema)],
          responses: {
            "200": ok("The run", "CleanupRun"),
            "400": error("A next token this API did not make"),
            "404": error("Unknown id"),
            "422": error("Invalid query"),
          },
        },
      },
      "/cleanup/runs/{runId}/retry": {
        post: {
          summary: "Run a failed or partial clean-up again",
          parameters: [pathParam("runId")],
          responses: {
            "202": ok("Retry started", "CleanupRun"),
            "404": error("Unknown id"),
            "409": error("Running or succeeded"),
          },
        },
      },
      "/budgets/reconcile": {
        post: {
          summary: "Give accounts without a Quartermaster budget the default one, in the background",
          responses: {
            "202": ok("Accepted: poll the job", "ReconcileAccepted"),
            "422": error("The request takes no fields"),
          },
        },
      },
      "/budgets/reconcile/{reconcileId}": {
        get: {
          summary: "A background reconcile: its status and counts, and a page of the budgets it created",
          parameters: [pathParam("reconcileId"), ...queryParams(ReconcilePageQuerySchema)],
          responses: { "200": ok("The job", "ReconcileJob"), "404": error("Unknown id") },
        },
      },
      "/baseline/plans": {
        post: {
          summary: "Plan a baseline document against the organisation, in the background",
          requestBody: { required: true, ...json({ $ref: "#/components/schemas/PlanRequest" }) },
          responses: {
            "202": ok("Accepted: poll the plan", "PlanAccepted"),
            "413": error("The body is over 256 KB"),
            "422": error("Every invalid field of the document, by path"),
          },
        },
      },
      "/baseline/plans/{planId}": {
        get: {
          summary: "A plan: its status, summary and a page of its changes",
          parameters: [pathParam("planId"), ...queryParams(PlanPageQuerySchema)],
          responses: {
            "200": ok("The plan", "Plan"),
            "400": error("A next token this API did not make"),
            "404": error("Unknown id"),
            "422": error("Invalid query"),
          },
        },
      },
      "/baseline/plans/{planId}/apply": {
        post: {
          summary: "Apply a READY plan",
          parameters: [pathParam("planId")],
          responses: {
            "202": ok("Applying", "Plan"),
            "404": error("Unknown id"),
            "409": error("Not READY, or a later plan was applied first"),
            "422": error("The request takes no fields"),
          },
        },
      },
      "/baseline": {
        get: {
          summary: "The last applied baseline document",
          responses: { "200": ok("The baseline", "AppliedBaseline"), "404": error("None applied yet") },
        },
      },
      "/baseline/export": {
        get: {
          summary: "The organisation as it is, as a baseline document",
          responses: {
            "200": ok("The document", "BaselineExport"),
            "422": error("The route takes no query"),
          },
        },
      },
      "/drift/checks": {
        post: {
          summary: "Check every vended account and the baseline for drift, in the background",
          requestBody: { required: false, ...json({ type: "object", additionalProperties: false }) },
          responses: {
            "202": ok("Accepted: poll the check", "DriftCheckAccepted"),
            "422": error("The request takes no fields"),
          },
        },
      },
      "/drift/checks/{checkId}": {
        get: {
          summary:
            "A drift check: its counts, a page of drifted then excluded accounts, the baseline's changes",
          parameters: [pathParam("checkId"), ...queryParams(CheckPageQuerySchema)],
          responses: {
            "200": ok("The check", "DriftCheck"),
            "400": error("A next token this API did not make"),
            "404": error("Unknown id"),
            "422": error("Invalid query"),
          },
        },
      },
      "/drift/checks/{checkId}/repair": {
        post: {
          summary: "Repair a check's drifted accounts (or those named) with the vend's own stages",
          parameters: [pathParam("checkId")],
          requestBody: { required: false, ...json({ $ref: "#/components/schemas/DriftRepairRequest" }) },
          responses: {
            "202": ok("Accepted: poll the repair", "DriftRepairAccepted"),
            "404": error("Unknown check"),
            "409": error("The check is still running"),
            "422": error("An invalid or unknown field"),
          },
        },
      },
      "/drift/repairs/{repairId}": {
        get: {
          summary: "A drift repair: the accounts repaired, skipped (with why) and failed",
          parameters: [pathParam("repairId")],
          responses: { "200": ok("The repair", "DriftRepair"), "404": error("Unknown id") },
        },
      },
      "/profiles": {
        get: {
          summary: "granted profiles of every vended account: INI (default) or JSON",
          parameters: queryParams(ProfilesQuerySchema),
          responses: {
            "200": {
              description:
                "format=ini: an INI fragment of [profile NAME] sections; format=json: the profiles",
              content: {
                "text/plain": { schema: { type: "string" } },
                "application/json": { schema: { $ref: "#/components/schemas/Profiles" } },
              },
            },
            "403": error("mine=true, and the caller is no known Identity Center user"),
            "422": error("An unknown query parameter, or a bad format or prefix"),
          },
        },
      },
      "/health": { get: { summary: "Liveness", security: [], responses: { "200": ok("ok", "Health") } } },
      "/openapi.json": {
        get: {
          summary: "This document",
          security: [],
          responses: { "200": { description: "OpenAPI 3.1", ...json({ type: "object" }) } },
        },
      },
    },
  };
}
