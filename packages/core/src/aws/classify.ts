import { QuartermasterError, TerminalAwsError, TransientAwsError } from "../errors";

/** The shape of the errors the AWS SDK v3 throws (service exceptions). */
interface AwsErrorLike {
  name?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

// Error names AWS documents as safe to retry. Organizations reports throttling as
// TooManyRequestsException and concurrent edits as ConcurrentModificationException;
// Identity Center uses ThrottlingException and ConflictException.
const TRANSIENT_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
  "ConcurrentModificationException",
  "ConflictException",
  "InternalFailure",
  "InternalServerException",
  "InternalErrorException",
  "ServiceException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TransactionConflictException",
  "TimeoutError",
  "RequestTimeout",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
]);

export type ErrorClass = "transient" | "terminal";

/** The single place that decides whether an AWS error is worth retrying. */
export function classifyAwsError(error: unknown): ErrorClass {
  if (error instanceof TransientAwsError) return "transient";
  if (error instanceof QuartermasterError) return "terminal";
  const e = (error ?? {}) as AwsErrorLike & { code?: string };
  const name = e.name ?? "";
  if (TRANSIENT_NAMES.has(name) || (e.code !== undefined && TRANSIENT_NAMES.has(e.code))) return "transient";
  if (e.$retryable) return "transient";
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return "transient";
  return "terminal";
}

/** Name of an AWS SDK error, or "Error" when it has none. */
export function awsErrorName(error: unknown): string {
  if (error && typeof error === "object" && "name" in error && typeof error.name === "string")
    return error.name;
  return "Error";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Wraps an AWS error into a Quartermaster error that keeps it as `cause`:
 * TransientAwsError (the workflow retries it) or TerminalAwsError.
 */
export function toQuartermasterError(error: unknown, action: string): QuartermasterError {
  if (error instanceof QuartermasterError) return error;
  const name = awsErrorName(error);
  if (classifyAwsError(error) === "transient") {
    return new TransientAwsError(`${action}: ${name}: ${messageOf(error)}`, { cause: error });
  }
  const code = name === "AccessDeniedException" || name === "AccessDenied" ? "ACCESS_DENIED" : name;
  return new TerminalAwsError(code, `${action}: ${name}: ${messageOf(error)}`, { cause: error });
}

/**
 * Whether an error is, or wraps (as the retrying clients' errors do), an AWS error of this name:
 * `isAwsError(error, "ConditionalCheckFailedException")`.
 */
export function isAwsError(error: unknown, name: string): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    if (awsErrorName(e) === name) return true;
  }
  return false;
}

/**
 * Whether an error is an answer AWS modelled (it carries `$fault`; the retrying clients keep it as the
 * cause): an answer about the call. An error without one (a body that is not AWS's, an unknown
 * operation) says the call is not offered where this runs.
 */
export function isModelledAwsError(error: unknown): boolean {
  return typeof (originalAwsError(error) as { $fault?: unknown } | null)?.$fault === "string";
}

/** The AWS SDK's error behind a Quartermaster error (the retrying clients keep it as the cause), with its fields. */
export function originalAwsError(error: unknown): { $fault?: unknown; Reason?: string; message?: string } {
  const original = error instanceof QuartermasterError && error.cause !== undefined ? error.cause : error;
  return (original ?? {}) as { $fault?: unknown; Reason?: string; message?: string };
}
