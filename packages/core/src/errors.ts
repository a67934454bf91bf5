/** A field-level problem found while validating input. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Base class for every error Quartermaster raises on purpose. */
export class QuartermasterError extends Error {
  /** Stable, machine-readable code shown to API clients. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "QuartermasterError";
    this.code = code;
  }
}

/** The request body is not JSON, or its fields break the contract. */
export class ValidationError extends QuartermasterError {
  readonly details: FieldIssue[];

  constructor(message: string, details: FieldIssue[], options?: { cause?: unknown }) {
    super("VALIDATION_FAILED", message, options);
    this.name = "ValidationError";
    this.details = details;
  }
}

export class MalformedRequestError extends QuartermasterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("MALFORMED_REQUEST", message, options);
    this.name = "MalformedRequestError";
  }
}

export class UnsupportedMediaTypeError extends QuartermasterError {
  constructor(message: string) {
    super("UNSUPPORTED_MEDIA_TYPE", message);
    this.name = "UnsupportedMediaTypeError";
  }
}

export class PayloadTooLargeError extends QuartermasterError {
  constructor(message: string) {
    super("PAYLOAD_TOO_LARGE", message);
    this.name = "PayloadTooLargeError";
  }
}

export class NotFoundError extends QuartermasterError {
  constructor(message: string) {
    super("NOT_FOUND", message);
    this.name = "NotFoundError";
  }
}

/** The caller is known but may not do this (not an approver, their own request, a protected account). */
export class ForbiddenError extends QuartermasterError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = "ForbiddenError";
  }
}

/** The request could not be authenticated (a bad or stale Slack signature). */
export class UnauthorizedError extends QuartermasterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UNAUTHORIZED", message, options);
    this.name = "UnauthorizedError";
  }
}

/** The request clashes with existing state (email in use, request running). */
export class ConflictError extends QuartermasterError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "ConflictError";
  }
}

/** Configuration is missing or invalid; raised at synth or cold start. */
export class ConfigError extends QuartermasterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CONFIG_INVALID", message, options);
    this.name = "ConfigError";
  }
}

/** A function used a client its entry point did not build: a packaging defect, caught on first use. */
export class ClientNotBuiltError extends ConfigError {
  constructor(client: string) {
    super(`This function does not build the ${client} client: add it to the classes its entry point passes`);
    this.name = "ClientNotBuiltError";
  }
}

/**
 * An AWS error worth retrying (throttling, conflicts, internal failures).
 * The name is matched by the state machine's Retry policy.
 */
export class TransientAwsError extends QuartermasterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("AWS_TRANSIENT", message, options);
    this.name = "TransientAwsError";
  }
}

/** An event bigger than EventBridge takes (256 KB an entry): refused before it is sent. */
export class EventTooLargeError extends QuartermasterError {
  constructor(message: string) {
    super("EVENT_TOO_LARGE", message);
    this.name = "EventTooLargeError";
  }
}

/** An AWS error that retrying will not fix (access denied, limits, validation). */
export class TerminalAwsError extends QuartermasterError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "TerminalAwsError";
  }
}

/** CreateAccount ended FAILED; `code` carries the AWS FailureReason. */
export class AccountCreationFailedError extends QuartermasterError {
  constructor(reason: string, message: string) {
    super(reason, message);
    this.name = "AccountCreationFailedError";
  }
}

/** The account that uses the request's email is not ACTIVE (closed, suspended): it is never adopted. */
export class AccountNotActiveError extends QuartermasterError {
  constructor(accountId: string, state: string) {
    super(
      "ACCOUNT_NOT_ACTIVE",
      `Account ${accountId}, which uses this email, is ${state}; only an ACTIVE account is adopted`,
    );
    this.name = "AccountNotActiveError";
  }
}

/** Something read back from the store, or an event received, does not have the shape it was written with. */
export class StoredRecordError extends QuartermasterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORRUPT_RECORD", message, options);
    this.name = "StoredRecordError";
  }
}

/** An awaited asynchronous AWS operation did not finish before its deadline. */
export class DeadlineExceededError extends QuartermasterError {
  constructor(message: string) {
    super("DEADLINE_EXCEEDED", message);
    this.name = "DeadlineExceededError";
  }
}

/** An Identity Center account assignment ended FAILED. */
export class AssignmentFailedError extends QuartermasterError {
  constructor(message: string) {
    super("ASSIGNMENT_FAILED", message);
    this.name = "AssignmentFailedError";
  }
}

/** A baseline change AWS refused for good (a quota, an OU not empty, a failed provisioning), with the change's key. */
export class BaselineChangeError extends QuartermasterError {
  readonly key: string;

  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super("BASELINE_CHANGE_FAILED", message, options);
    this.name = "BaselineChangeError";
    this.key = key;
  }
}

/** All CreateAccount slots are taken (at most 5 in flight per organisation); the workflow waits and retries. */
export class CreateSlotUnavailableError extends QuartermasterError {
  constructor(message: string) {
    super("CREATE_SLOT_UNAVAILABLE", message);
    this.name = "CreateSlotUnavailableError";
  }
}

/** Assuming the member-account role failed. */
export class AssumeRoleError extends QuartermasterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ASSUME_ROLE_FAILED", message, options);
    this.name = "AssumeRoleError";
  }
}

/**
 * The error a workflow task throws: same name (the state machine's Retry and Catch match on
 * it) with the code in front of the message, since Step Functions passes only name and message on.
 */
export function toWorkflowError(error: unknown): Error {
  if (!(error instanceof QuartermasterError))
    return error instanceof Error ? error : new Error(String(error));
  const wrapped = new Error(`${error.code}: ${error.message}`, { cause: error });
  wrapped.name = error.name;
  return wrapped;
}

/** Names of errors the workflow treats as transient and retries with backoff. */
export const RETRYABLE_ERROR_NAMES = ["TransientAwsError"] as const;
