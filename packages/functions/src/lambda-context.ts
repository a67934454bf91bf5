import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** The Lambda context for a real handler invoked outside Lambda (local mode, tests): a fresh request id per invocation. */
export function lambdaContextFor(functionName: string, timeoutMs: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => timeoutMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
