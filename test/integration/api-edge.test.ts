import { describe, expect, it } from "vitest";
import { call, unique, useApi } from "../support/plane";

const api = useApi();
const { plane } = api;

const valid = () => ({ name: unique("edge"), email: `aws+${unique("edge")}@example.com`, ou: "Sandbox" });

describe("the API edge", () => {
  it("answers 400 with the error shape for malformed JSON", async () => {
    const res = await call(api.url, "POST", "/accounts", "{not json");

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: "MALFORMED_REQUEST",
      message: expect.stringMatching(/not valid JSON/),
    });
  });

  it("answers 415 when the body is not application/json", async () => {
    const res = await fetch(`${api.url}/accounts`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify(valid()),
    });

    expect(res.status).toBe(415);
  });

  it("answers 413 for a body over 64 KB", async () => {
    const res = await call(api.url, "POST", "/accounts", { ...valid(), tags: { big: "x".repeat(70_000) } });

    expect(res.status).toBe(413);
  });

  it("lists every failing field in one 422", async () => {
    const res = await call(api.url, "POST", "/accounts", {
      name: " bad[name] ",
      email: "not-an-email",
      ou: "/Sandbox",
      budget: { monthlyLimitUsd: 0, thresholds: [0, 2000], emails: ["x"] },
      tags: { "aws:reserved": "v" },
      extra: true,
    });

    expect(res.status).toBe(422);
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "name",
        "email",
        "ou",
        "budget.monthlyLimitUsd",
        "budget.thresholds.0",
        "budget.thresholds.1",
        "budget.emails.0",
        "tags.aws:reserved",
      ]),
    );
    expect(
      res.body.error.details.some((d: { message: string }) => /unknown field.*extra/.test(d.message)),
    ).toBe(true);
  });

  it("rejects __proto__, constructor and prototype keys anywhere in the body", async () => {
    const raw = `{"name":"ok-name","email":"aws+proto@example.com","ou":"Sandbox","tags":{"__proto__":{"x":"1"}},"access":[{"group":"Admin","permissionSets":["ReadOnlyAccess"],"constructor":1}]}`;

    const res = await call(api.url, "POST", "/accounts", raw);

    expect(res.status).toBe(422);
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["tags.__proto__", "access.0.constructor"]));
  });

  it("rejects an invalid Idempotency-Key", async () => {
    const res = await call(api.url, "POST", "/accounts", valid(), { "idempotency-key": "has spaces!" });

    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("Idempotency-Key");
  });

  it("answers 404 for an unknown request id and an unknown route", async () => {
    expect((await call(api.url, "GET", "/accounts/requests/req-nope")).status).toBe(404);
    expect((await call(api.url, "GET", "/nope")).status).toBe(404);
  });

  it("answers 422 for an unknown status filter", async () => {
    const res = await call(api.url, "GET", "/accounts/requests?status=DONE");

    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("status");
  });

  it("serves /health", async () => {
    expect(await call(api.url, "GET", "/health")).toMatchObject({ status: 200, body: { ok: true } });
  });

  it("pages through requests newest first with the next token, and rejects a forged token", async () => {
    for (const n of [1, 2])
      await call(api.url, "POST", "/accounts", { ...valid(), name: unique(`page${n}`) });
    await plane.runner.idle();

    const first = await call(api.url, "GET", "/accounts/requests?limit=1");
    const second = await call(
      api.url,
      "GET",
      `/accounts/requests?limit=1&next=${encodeURIComponent(first.body.next)}`,
    );
    const forged = await call(api.url, "GET", "/accounts/requests?next=not-a-token");

    expect(first.body.items).toHaveLength(1);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].requestId).not.toBe(first.body.items[0].requestId);
    expect(second.body.items[0].createdAt <= first.body.items[0].createdAt).toBe(true);
    expect(forged.status).toBe(422);
    expect(forged.body.error.details[0].path).toBe("next");
  });
});
