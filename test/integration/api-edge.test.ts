import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { TEST_REGION, TEST_TABLE } from "../support/aws-env";
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
    expect(forged.status).toBe(400);
    expect(forged.body.error.message).toMatch(/next/);
  });

  it.each([
    ["a key DynamoDB would refuse", { pk: { S: "REQ#x" }, sk: "REQ", gsi1pk: "REQUEST", gsi1sk: "x" }],
    ["another index's key", { pk: "REQ#x", sk: "REQ", gsi2pk: "REQUEST#FAILED", gsi2sk: "x" }],
    ["another partition", { pk: "REQ#x", sk: "REQ", gsi1pk: "EVENT", gsi1sk: "x" }],
    ["an extra attribute", { pk: "REQ#x", sk: "REQ", gsi1pk: "REQUEST", gsi1sk: "x", more: "1" }],
    ["a JSON array", ["pk"]],
  ])("answers 400, not 500, for a well-encoded forged token holding %s", async (_label, key) => {
    const token = Buffer.from(JSON.stringify(key)).toString("base64url");

    const res = await call(api.url, "GET", `/accounts/requests?next=${token}`);

    expect(res.status).toBe(400);
  });

  it("answers 400 for an oversize token", async () => {
    const token = Buffer.from(JSON.stringify({ pk: "x".repeat(5000) })).toString("base64url");

    expect((await call(api.url, "GET", `/accounts/requests?next=${token}`)).status).toBe(400);
  });

  it.each([
    ["GET", "/accounts/requests/%ZZ"],
    ["POST", "/accounts/requests/%ZZ/retry"],
    ["GET", "/cleanup/runs/%E0%A4%A"],
    ["POST", "/cleanup/runs/%ZZ/retry"],
  ])("answers 400 for %s %s, an id that is not valid percent-encoding", async (method, path) => {
    const res = await call(api.url, method, path);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("MALFORMED_REQUEST");
  });

  it("answers 400 for JSON nested thousands of levels deep, and creates nothing", async () => {
    const deep = `{"name":"deep","tags":${"[".repeat(5000)}${"]".repeat(5000)}}`;

    const res = await call(api.url, "POST", "/accounts", deep);

    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/nested deeper/);
  });

  it("answers 400 for a body with a duplicate key", async () => {
    const email = `aws+${unique("dup")}@example.com`;
    const raw = `{"name":"dup-key","email":"${email}","ou":"Sandbox","ou":"Workloads/Production"}`;

    const res = await call(api.url, "POST", "/accounts", raw);

    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/"ou" twice/);
  });
});

describe("a record that does not read back", () => {
  it("is a 500 naming the malformed fields, never served half-read", async () => {
    const id = unique("corrupt");
    await new DynamoDBClient({ region: TEST_REGION }).send(
      new PutItemCommand({
        TableName: TEST_TABLE,
        Item: { pk: { S: `REQ#${id}` }, sk: { S: "REQ" }, requestId: { S: id }, status: { S: "SOMETHING" } },
      }),
    );

    const res = await call(api.url, "GET", `/accounts/requests/${id}`);

    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("CORRUPT_RECORD");
    expect(res.body.error.message).toMatch(/status/);
  });
});

describe("the API edge under a failing store", () => {
  const failing = useApi({
    faults: "DynamoDB.Query=InternalServerError:6,DynamoDB.GetItem=ThrottlingException:6",
  });

  it("answers 503 with Retry-After for a transient store failure, then serves the retry", async () => {
    const first = await call(failing.url, "GET", "/accounts/requests?limit=1");
    const again = await call(failing.url, "GET", "/accounts/requests?limit=1");
    const throttled = await call(failing.url, "GET", "/accounts/requests/req-anything");

    expect(first.status).toBe(503);
    expect(Number(first.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(first.body.error.code).toBe("TEMPORARILY_UNAVAILABLE");
    expect(again.status).toBe(200);
    expect(throttled.status).toBe(503);
  });
});
