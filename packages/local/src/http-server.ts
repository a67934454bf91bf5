import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { lambdaContextFor } from "@quartermaster/functions/lambda-context";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Requests larger than this are refused before reaching the handler (which enforces the 64 KB contract). */
const READ_LIMIT_BYTES = 1024 * 1024;

interface CompiledRoute {
  routeKey: string;
  method: string;
  pattern: RegExp;
  params: string[];
}

function compile(routeKey: string): CompiledRoute {
  const [method, path] = routeKey.split(" ") as [string, string];
  const params: string[] = [];
  const segments = path.split("/").map((segment) => {
    const param = /^\{(\w+)\}$/.exec(segment);
    if (!param) return segment.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
    params.push(param[1] as string);
    return "([^/]+)";
  });
  return { routeKey, method, pattern: new RegExp(`^${segments.join("/")}$`), params };
}

/** Matches a method and path against API Gateway route keys (`GET /accounts/requests/{requestId}`). */
export function matchRoute(routes: CompiledRoute[], method: string, path: string) {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m)
      return {
        routeKey: route.routeKey,
        pathParameters: Object.fromEntries(route.params.map((p, i) => [p, m[i + 1] ?? ""])),
      };
  }
  return undefined;
}

/** A body past READ_LIMIT_BYTES is still read to its end (up to this much) so the client gets the 413. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<{ body: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > DRAIN_LIMIT_BYTES) break;
    if (size <= READ_LIMIT_BYTES) chunks.push(chunk as Buffer);
  }
  if (size > READ_LIMIT_BYTES) return { body: "", tooLarge: true };
  return { body: Buffer.concat(chunks).toString("utf8"), tooLarge: false };
}

const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"];

/**
 * Local mode has no IAM: only this machine's own clients may drive it. A browser page on another
 * origin (cross-site POST) is refused by its Origin, a DNS-rebinding page by its Host.
 */
function refusal(req: IncomingMessage, port: number): string | undefined {
  const own = LOOPBACK_HOSTS.map((h) => `${h}:${port}`);
  const host = (req.headers.host ?? "").toLowerCase();
  if (!own.includes(host)) return `Host ${JSON.stringify(host.slice(0, 100))} is not this server`;
  const origin = req.headers.origin;
  if (origin !== undefined && !own.map((h) => `http://${h}`).includes(origin.toLowerCase())) {
    return "Cross-origin requests are refused";
  }
  return undefined;
}

/** Serves API Gateway HTTP API routes through a Lambda handler, as payload format 2.0 events. */
export function createApiServer(handler: ApiHandler, routeKeys: string[]): Server {
  const routes = routeKeys.map(compile);
  const server = createServer(async (req, res) => {
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(body);
    };
    const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
      send(status, JSON.stringify({ error: { code, message } }), headers);
    try {
      const address = server.address();
      const refused = refusal(req, typeof address === "object" && address ? address.port : 0);
      if (refused) {
        req.resume();
        fail(403, "FORBIDDEN", refused);
        return;
      }
      const url = new URL(req.url ?? "/", "http://localhost");
      const method = req.method ?? "GET";
      const match = matchRoute(routes, method, url.pathname);
      if (!match) {
        req.resume();
        const allowed = routes.filter((r) => r.pattern.test(url.pathname)).map((r) => r.method);
        if (allowed.length > 0 || !["GET", "POST"].includes(method)) {
          const allow = allowed.length > 0 ? [...new Set(allowed)].join(", ") : "GET, POST";
          fail(405, "METHOD_NOT_ALLOWED", `${method} is not allowed here`, { allow });
          return;
        }
        fail(404, "NOT_FOUND", `No route ${method} ${url.pathname}`);
        return;
      }
      const { body, tooLarge } = await readBody(req);
      if (tooLarge) {
        // What was not read is not worth reading: answer, then close the connection cleanly.
        fail(413, "PAYLOAD_TOO_LARGE", "The body must be at most 65536 bytes", { connection: "close" });
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === "string") headers[k.toLowerCase()] = v;
      const query = Object.fromEntries(url.searchParams.entries());
      const event = {
        version: "2.0",
        routeKey: match.routeKey,
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ""),
        headers,
        queryStringParameters: Object.keys(query).length ? query : undefined,
        pathParameters: Object.keys(match.pathParameters).length ? match.pathParameters : undefined,
        body: body === "" ? undefined : body,
        isBase64Encoded: false,
        requestContext: {
          accountId: "local",
          apiId: "local",
          domainName: url.host,
          domainPrefix: "local",
          http: {
            method: req.method ?? "GET",
            path: url.pathname,
            protocol: "HTTP/1.1",
            sourceIp: "127.0.0.1",
            userAgent: headers["user-agent"] ?? "",
          },
          requestId: randomUUID(),
          routeKey: match.routeKey,
          stage: "$default",
          time: new Date().toISOString(),
          timeEpoch: Date.now(),
        },
      } as APIGatewayProxyEventV2;
      const result = await handler(event, lambdaContextFor("qm-local-api", 30_000));
      const outHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(result.headers ?? {})) outHeaders[k] = String(v);
      send(result.statusCode ?? 200, result.body ?? "", outHeaders);
    } catch (error) {
      send(500, JSON.stringify({ error: { code: "INTERNAL", message: (error as Error).message } }));
    }
  });
  return server;
}

/** Listens on loopback and returns the base URL. */
export function listen(server: Server, port: number, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === "object" && address ? address.port : port;
      resolve(`http://${host}:${actual}`);
    });
  });
}
