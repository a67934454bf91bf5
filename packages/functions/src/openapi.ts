import { CleanupRequestSchema } from "@quartermaster/core/cleanup/run";
import { ListQuerySchema } from "@quartermaster/core/vending/operate";
import { IdempotencyKeySchema, VendRequestSchema } from "@quartermaster/core/vending/request";
import { z } from "zod";

type JsonSchema = Record<string, unknown>;

const schema = (s: z.ZodType): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
};

const errorSchema: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        details: {
          type: "array",
          items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } },
        },
      },
    },
  },
};

const json = (s: JsonSchema) => ({ content: { "application/json": { schema: s } } });
const error = (description: string) => ({ description, ...json({ $ref: "#/components/schemas/Error" }) });
const ok = (description: string) => ({ description, ...json({ type: "object" }) });
const pathParam = (name: string) => ({ name, in: "path", required: true, schema: { type: "string" } });

/** The OpenAPI 3.1 document of the API, built from the handlers' own zod schemas. */
export function openApiDocument(): JsonSchema {
  const listQuery = schema(ListQuerySchema) as { properties: Record<string, JsonSchema> };
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
      },
      schemas: {
        Error: errorSchema,
        VendRequest: schema(VendRequestSchema),
        CleanupRequest: schema(CleanupRequestSchema),
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
            "202": ok("Accepted: the workflow has started"),
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
          parameters: Object.entries(listQuery.properties).map(([name, s]) => ({
            name,
            in: "query",
            required: false,
            schema: s,
          })),
          responses: { "200": ok("A page of requests"), "422": error("Invalid query") },
        },
      },
      "/accounts/requests/{requestId}": {
        get: {
          summary: "One request with its steps",
          parameters: [pathParam("requestId")],
          responses: { "200": ok("The request"), "404": error("Unknown id") },
        },
      },
      "/accounts/requests/{requestId}/retry": {
        post: {
          summary: "Redrive the failed execution, or start a new one",
          parameters: [pathParam("requestId")],
          responses: {
            "202": ok("Retry started"),
            "404": error("Unknown id"),
            "409": error("Running or succeeded"),
          },
        },
      },
      "/cleanup/runs": {
        post: {
          summary: "Start a sandbox clean-up run",
          requestBody: { required: false, ...json({ $ref: "#/components/schemas/CleanupRequest" }) },
          responses: { "202": ok("Run started"), "422": error("Validation failed") },
        },
      },
      "/cleanup/runs/{runId}": {
        get: {
          summary: "A clean-up run's report",
          parameters: [pathParam("runId")],
          responses: { "200": ok("The run"), "404": error("Unknown id") },
        },
      },
      "/cleanup/runs/{runId}/retry": {
        post: {
          summary: "Run a failed or partial clean-up again",
          parameters: [pathParam("runId")],
          responses: {
            "202": ok("Retry started"),
            "404": error("Unknown id"),
            "409": error("Running or succeeded"),
          },
        },
      },
      "/budgets/reconcile": {
        post: {
          summary: "Give accounts without a Quartermaster budget the default one",
          responses: { "200": ok("What was created") },
        },
      },
      "/health": { get: { summary: "Liveness", security: [], responses: { "200": ok("ok") } } },
      "/openapi.json": {
        get: { summary: "This document", security: [], responses: { "200": ok("OpenAPI 3.1") } },
      },
    },
  };
}
