import type {
  InitializeHandlerOptions,
  InitializeMiddleware,
  MetadataBearer,
  Pluggable,
} from "@smithy/types";

/**
 * A plugin that works on every service client. The SDK types each client's stack by its own
 * input/output unions; these middlewares never look at either, so they are typed loosely.
 */
// biome-ignore lint/suspicious/noExplicitAny: service-agnostic plugin, see above.
export type AnyClientPlugin = Pluggable<any, any>;

/** Counts AWS calls per `Service.Operation` (tests and benchmarks report them). */
export class CallCounter {
  private readonly counts = new Map<string, number>();

  record(operation: string): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }

  get(operation: string): number {
    return this.counts.get(operation) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** `OrganizationsClient` + `MoveAccountCommand` -> `Organizations.MoveAccount`. */
export function operationKey(clientName: string | undefined, commandName: string | undefined): string {
  const service = (clientName ?? "Unknown").replace(/Client$/, "");
  const operation = (commandName ?? "Unknown").replace(/Command$/, "");
  return `${service}.${operation}`;
}

// High priority: counted before anything else in the stack can throw (injected faults included).
const counterOptions = {
  step: "initialize",
  name: "quartermasterCallCounter",
  priority: "high",
} as InitializeHandlerOptions;

/** SDK plugin that records every call on the counter. */
export function callCounterPlugin(counter: CallCounter): AnyClientPlugin {
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    counter.record(operationKey(context.clientName, context.commandName));
    return next(args);
  };
  return { applyToStack: (stack) => stack.add(middleware, counterOptions) };
}
