import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROUTES } from "../../packages/functions/src/api";
import { call, useApi } from "../support/plane";

const api = useApi();

/** `METHOD /path` of every `## ` heading in the contract (query strings dropped). */
function contractRoutes(): string[] {
  const doc = readFileSync("docs/api.md", "utf8");
  return [...doc.matchAll(/^## (GET|POST|PUT|DELETE) (\S+)/gm)].map(
    (m) => `${m[1]} ${(m[2] as string).split("?")[0]}`,
  );
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
    expect(published.sort()).toEqual(Object.keys(ROUTES).sort());
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
