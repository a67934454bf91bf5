import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RequestPageSchema, RequestViewSchema, VendAcceptedSchema } from "../../packages/core/src/contract";
import { ROUTES } from "../../packages/functions/src/api";
import { SLACK_ROUTE_KEYS } from "../../packages/functions/src/slack";
import { call, unique, useApi } from "../support/plane";

const api = useApi();

/**
 * `METHOD /path` of every `## ` heading in the contract (query strings dropped). A heading may name
 * siblings after a comma (`POST /accounts/requests/{requestId}/approve, /reject`): each replaces the last segment.
 */
function contractRoutes(): string[] {
  const doc = readFileSync("docs/api.md", "utf8");
  return [...doc.matchAll(/^## (GET|POST|PUT|DELETE) ([^\s,]+(?:, \/[^\s,]+)*)/gm)].flatMap((m) => {
    const [first = "", ...siblings] = (m[2] as string).split(", ").map((p) => p.split("?")[0] as string);
    const base = first.slice(0, first.lastIndexOf("/"));
    return [first, ...siblings.map((s) => `${base}${s}`)].map((path) => `${m[1]} ${path}`);
  });
}

describe("GET /openapi.json", () => {
  it("publishes an OpenAPI 3.1 document with every route of the contract and of the handlers", async () => {
    const res = await call(api.url, "GET", "/openapi.json");

    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    const published = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const contract = contractRoutes();
    expect(contract.length).toBeGreaterThanOrEqual(7);
    expect(published).toEqual(expect.arrayContaining(contract));
    expect(published.sort()).toEqual([...Object.keys(ROUTES), ...SLACK_ROUTE_KEYS].sort());
  });

  it("describes every response body from the contract's schemas, and the handlers answer in that shape", async () => {
    const doc = (await call(api.url, "GET", "/openapi.json")).body;
    const accepted = await call(api.url, "POST", "/accounts", {
      name: unique("oas"),
      email: `aws+${unique("oas")}@example.com`,
      ou: "Sandbox",
    });
    await api.plane.runner.idle();
    const view = await call(api.url, "GET", accepted.body.links.self);
    const page = await call(api.url, "GET", "/accounts/requests?limit=2");

    const ref = (path: string, method: string, status: string) =>
      doc.paths[path][method].responses[status].content["application/json"].schema.$ref;
    expect(ref("/accounts", "post", "202")).toBe("#/components/schemas/VendAccepted");
    expect(ref("/accounts/requests/{requestId}", "get", "200")).toBe("#/components/schemas/RequestView");
    expect(ref("/cleanup/runs/{runId}", "get", "200")).toBe("#/components/schemas/CleanupRun");
    expect(ref("/accounts/requests", "get", "503")).toBe("#/components/schemas/Error");
    expect(doc.components.schemas.RequestView.required).toEqual(
      expect.arrayContaining(["requestId", "status", "steps", "attempts", "ouPath"]),
    );
    expect(VendAcceptedSchema.safeParse(accepted.body).success).toBe(true);
    expect(RequestViewSchema.safeParse(view.body).error).toBeUndefined();
    expect(RequestPageSchema.safeParse(page.body).error).toBeUndefined();
  });

  it("describes the request body with the same rules the handler enforces", async () => {
    const res = await call(api.url, "GET", "/openapi.json");

    const vend = res.body.components.schemas.VendRequest;
    expect(vend.required).toEqual(["name", "email"]);
    expect(vend.additionalProperties).toBe(false);
    expect(vend.properties.name).toMatchObject({ type: "string", minLength: 1, maxLength: 50 });
    expect(vend.properties.email).toMatchObject({ minLength: 6, maxLength: 64 });
  });
});
