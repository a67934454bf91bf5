import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { call, useApi } from "../support/plane";

const api = useApi();

/** A raw HTTP request, so tests can set Host, use TRACE, or stream a large body. */
function raw(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers: options.headers },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("the local API server", () => {
  it("refuses a cross-origin request, as a web page's fetch would send it, and starts nothing", async () => {
    const res = await call(api.url, "POST", "/cleanup/runs", {}, { origin: "http://evil.example" });

    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("FORBIDDEN");
  });

  it("serves a request whose Origin is its own", async () => {
    const res = await call(api.url, "GET", "/health", undefined, { origin: api.url });

    expect(res.status).toBe(200);
  });

  it("refuses a Host that is not its own (DNS rebinding)", async () => {
    const port = new URL(api.url).port;

    const res = await raw("GET", "/health", { headers: { host: `attacker.example:${port}` } });
    const own = await raw("GET", "/health", { headers: { host: `localhost:${port}` } });

    expect(res.status).toBe(403);
    expect(own.status).toBe(200);
  });

  it.each([
    ["HEAD", "/health"],
    ["OPTIONS", "/accounts"],
    ["TRACE", "/health"],
    ["DELETE", "/accounts/requests/x"],
  ])("answers 405 to %s %s", async (method, path) => {
    const res = await raw(method, path);

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBeTruthy();
  });

  it("still answers 404 for an unknown path", async () => {
    expect((await raw("GET", "/nope")).status).toBe(404);
  });

  it("answers 413 to a 2 MB body and closes the connection cleanly, without a reset", async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, "a");

    const res = await raw("POST", "/accounts", {
      headers: { "content-type": "application/json", "content-length": String(body.length) },
      body,
    });

    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});
