import { classifyAwsError } from "@quartermaster/core/aws/classify";
import {
  ConflictError,
  ForbiddenError,
  MalformedRequestError,
  NotFoundError,
  PayloadTooLargeError,
  QuartermasterError,
  StoredRecordError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "@quartermaster/core/errors";
import { parseStrictJson } from "@quartermaster/core/json";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export const MAX_BODY_BYTES = 64 * 1024;

/** The single table that maps domain errors to HTTP status codes. */
const STATUS_BY_ERROR: [new (...args: never[]) => QuartermasterError, number][] = [
  [MalformedRequestError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [ValidationError, 422],
  // A record that does not read back is the server's fault, never the client's.
  [StoredRecordError, 500],
];

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/** A plain-text answer (the INI of `GET /profiles`). */
export function text(statusCode: number, body: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "text/plain; charset=utf-8" }, body };
}

/** Seconds a client waits before trying again after a transient failure (503). */
export const RETRY_AFTER_SECONDS = 2;

/**
 * Maps an error to the API's error shape: a transient AWS or store failure (throttling, a 5xx)
 * is 503 with Retry-After; unknown errors are 500 and keep their details out of the response.
 */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (classifyAwsError(error) === "transient") {
    return json(
      503,
      { error: { code: "TEMPORARILY_UNAVAILABLE", message: "AWS or the store is busy; try again shortly" } },
      { "retry-after": String(RETRY_AFTER_SECONDS) },
    );
  }
  if (error instanceof QuartermasterError) {
    const status = STATUS_BY_ERROR.find(([type]) => error instanceof type)?.[1] ?? 502;
    const details = error instanceof ValidationError ? error.details : undefined;
    return json(status, {
      error: { code: error.code, message: error.message, ...(details ? { details } : {}) },
    });
  }
  return json(500, {
    error: { code: "INTERNAL", message: "Internal error; see the logs for the request id" },
  });
}

/** Reads a JSON body: 415 unless application/json, 413 over 64 KB (or `maxBytes`), 400 when malformed. */
export function parseJsonBody(
  event: APIGatewayProxyEventV2,
  options: { optional?: boolean; maxBytes?: number } = {},
): unknown {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, "base64").toString("utf8")
      : event.body
    : "";
  if (raw === "" && options.optional) return {};
  // Header names arrive lower-cased (http-header-normalizer in the API's middleware).
  const type = event.headers?.["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type.trim())) {
    throw new UnsupportedMediaTypeError("The body must be application/json");
  }
  const max = options.maxBytes ?? MAX_BODY_BYTES;
  if (Buffer.byteLength(raw, "utf8") > max) {
    throw new PayloadTooLargeError(`The body must be at most ${max} bytes`);
  }
  return parseStrictJson(raw);
}

/** A path parameter, percent-decoded; an id that is not valid percent-encoding is a 400. */
export function pathParam(event: APIGatewayProxyEventV2, name: string): string {
  const raw = event.pathParameters?.[name] ?? "";
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    throw new MalformedRequestError(`The ${name} in the path is not valid percent-encoding`, {
      cause: error,
    });
  }
}
