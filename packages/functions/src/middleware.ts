import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import type { ContextSource } from "./runtime";

/** Adds the Lambda context (request id, function) to the logger and clears per-request keys afterwards. */
function loggerContext<TEvent, TResult>(source: ContextSource): MiddlewareObj<TEvent, TResult> {
  const reset = () => source().logger.resetKeys();
  return {
    before: (request) => {
      source().logger.addContext(request.context);
    },
    after: reset,
    onError: reset,
  };
}

/**
 * The one middy bundle every handler uses. The context source is read lazily, so importing
 * a handler module never builds clients (local mode imports them with its own source).
 */
export function withBase<TEvent, TResult>(
  source: ContextSource,
  handler: (event: TEvent, context: Context) => Promise<TResult>,
) {
  return middy<TEvent, TResult>().use(loggerContext<TEvent, TResult>(source)).handler(handler);
}
