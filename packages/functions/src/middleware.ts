import middy, { type MiddlewareObj } from "@middy/core";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import type { CoreContext } from "@quartermaster/core/context";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { errorResponse } from "./http";
import type { ContextSource } from "./runtime";

/** The Lambda context, carrying the invocation's core context once `coreContext` has run. */
type WithCore = Context & { core?: CoreContext };

/**
 * Puts the invocation's core context on the Lambda context. The context source is read lazily
 * (importing a handler module never builds clients), and each invocation gets its own child logger
 * with the Lambda context added: local mode runs invocations concurrently in one process, where one
 * logger shared through powertools' `injectLambdaContext` would mix their request ids and keys.
 */
function coreContext(source: ContextSource): MiddlewareObj<unknown, unknown, Error, WithCore> {
  return {
    before: (request) => {
      const base = source();
      const logger = base.logger.createChild();
      logger.addContext(request.context);
      request.context.core = { ...base, logger };
    },
  };
}

/**
 * The one place errors become HTTP responses (the table in http.ts): 4xx for the client's
 * mistakes, 503 for transient failures, 500 otherwise; logged with the route and status.
 */
function httpErrors(): MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Error,
  WithCore
> {
  return {
    onError: (request) => {
      const response = errorResponse(request.error);
      const logger = request.context.core?.logger;
      const log = (response.statusCode ?? 500) >= 500 ? logger?.error : logger?.info;
      log?.call(logger, "Request failed", {
        route: request.event.routeKey,
        status: response.statusCode,
        error: request.error,
      });
      request.response = response;
    },
  };
}

function coreOf(context: Context): CoreContext {
  const core = (context as WithCore).core;
  if (!core) throw new Error("The core context middleware did not run");
  return core;
}

/** The middy bundle of every non-HTTP handler: the invocation's core context, then the handler. */
export function withBase<TEvent, TResult>(
  source: ContextSource,
  handler: (event: TEvent, ctx: CoreContext, lambda: Context) => Promise<TResult>,
) {
  return middy<TEvent, TResult>()
    .use(coreContext(source) as MiddlewareObj<TEvent, TResult>)
    .handler(async (event, lambda) => handler(event, coreOf(lambda), lambda));
}

/** The middy bundle of the HTTP API: header names normalised to lower case, and errors mapped to responses. */
export function withHttp(
  source: ContextSource,
  handler: (event: APIGatewayProxyEventV2, ctx: CoreContext) => Promise<APIGatewayProxyStructuredResultV2>,
) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, WithCore>()
    .use(
      coreContext(source) as MiddlewareObj<
        APIGatewayProxyEventV2,
        APIGatewayProxyStructuredResultV2,
        Error,
        WithCore
      >,
    )
    .use(
      httpHeaderNormalizer() as MiddlewareObj<
        APIGatewayProxyEventV2,
        APIGatewayProxyStructuredResultV2,
        Error,
        WithCore
      >,
    )
    .use(httpErrors())
    .handler(async (event, lambda) => handler(event, coreOf(lambda)));
}
