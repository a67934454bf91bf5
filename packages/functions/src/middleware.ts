import middy from "@middy/core";
import type { CoreContext } from "@quartermaster/core/context";
import type { Context } from "aws-lambda";
import type { ContextSource } from "./runtime";

/**
 * The one middy bundle every handler uses. Each invocation gets its own child logger carrying
 * the Lambda request id (and whatever keys the handler appends), so concurrent invocations in
 * one process (local mode) never mix their keys. The context source is read lazily: importing a
 * handler module never builds clients.
 */
export function withBase<TEvent, TResult>(
  source: ContextSource,
  handler: (event: TEvent, ctx: CoreContext, lambda: Context) => Promise<TResult>,
) {
  return middy<TEvent, TResult>().handler(async (event, lambda) => {
    const base = source();
    const logger = base.logger.createChild();
    logger.addContext(lambda);
    return handler(event, { ...base, logger }, lambda);
  });
}
