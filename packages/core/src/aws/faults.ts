import type { InitializeHandlerOptions, InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { ConfigError } from "../errors";
import { type AnyClientPlugin, operationKey } from "./middleware";

/** One injected fault: `remaining` failures of `errorName` for an operation (Infinity when no count is given). */
export interface Fault {
  operation: string;
  errorName: string;
  remaining: number;
}

const FAULT_ENTRY = /^([A-Za-z0-9]+)\.([A-Za-z0-9]+)=([A-Za-z][A-Za-z0-9.]*)(?::(\d+))?$/;

/**
 * Parses `QM_FAULTS`: a comma list of `Service.Operation=ErrorName[:count]`,
 * e.g. `Organizations.MoveAccount=AccessDeniedException:1`.
 */
export function parseFaults(spec: string | undefined): Fault[] {
  if (!spec || spec.trim() === "") return [];
  return spec.split(",").map((raw) => {
    const entry = raw.trim();
    const match = FAULT_ENTRY.exec(entry);
    if (!match) {
      throw new ConfigError(`QM_FAULTS: "${entry}" is not of the form Service.Operation=ErrorName[:count]`);
    }
    const [, service, operation, errorName, count] = match;
    const remaining = count === undefined ? Number.POSITIVE_INFINITY : Number(count);
    return { operation: `${service}.${operation}`, errorName: errorName as string, remaining };
  });
}

const THROTTLING = /Throttl|TooManyRequests|RequestLimitExceeded/;

/** Builds an error shaped like the SDK's service exceptions. */
export function injectedError(fault: Fault): Error {
  const error = new Error(`Injected fault for ${fault.operation}: ${fault.errorName}`) as Error & {
    $fault: string;
    $metadata: { httpStatusCode: number };
  };
  error.name = fault.errorName;
  const status = THROTTLING.test(fault.errorName)
    ? 429
    : /Internal|Unavailable/.test(fault.errorName)
      ? 500
      : 400;
  error.$fault = status >= 500 ? "server" : "client";
  error.$metadata = { httpStatusCode: status };
  return error;
}

/** Mutable set of faults shared by every client built in one process. */
export class FaultInjector {
  constructor(private readonly faults: Fault[]) {}

  /** Returns the error to throw for this operation, consuming one count, or undefined. */
  take(operation: string): Error | undefined {
    // Case-insensitive: `IdentityStore.ListGroups` and the SDK's `Identitystore.ListGroups` are the same operation.
    const wanted = operation.toLowerCase();
    const fault = this.faults.find((f) => f.operation.toLowerCase() === wanted && f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining -= 1;
    return injectedError(fault);
  }

  pending(): Fault[] {
    return this.faults.filter((f) => f.remaining > 0);
  }
}

const faultOptions = {
  step: "initialize",
  name: "quartermasterFaults",
  priority: "high",
} as InitializeHandlerOptions;

/** SDK plugin that throws the configured fault before a request is sent. Local mode and tests only. */
export function faultPlugin(injector: FaultInjector): AnyClientPlugin {
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const error = injector.take(operationKey(context.clientName, context.commandName));
    if (error) throw error;
    return next(args);
  };
  return { applyToStack: (stack) => stack.add(middleware, faultOptions) };
}
