import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Which deployed function a piece of local work stands for. Local mode runs every handler in one
 * process; in AWS each runs as its own function with its own IAM policy. Each handler call runs in a
 * scope named like the function (`api`, `slack`, `vend-task:create`, `notifier-lambda`, ...: its entry
 * point, and its `QM_TASK` where one entry serves several functions), so every AWS call it makes can be
 * attributed to that function (the tests evaluate each call against its function's policy).
 */
const scope = new AsyncLocalStorage<string>();

/** The function the current call stands for, if any (the seed and the tests' own calls have none). */
export function currentFunction(): string | undefined {
  return scope.getStore();
}

/** A handler that runs in the scope of the function it stands for. */
export function asFunction<A extends unknown[], R>(
  name: string,
  handler: (...args: A) => R,
): (...args: A) => R {
  return (...args: A) => scope.run(name, () => handler(...args));
}

/** What a local stand-in for an AWS service (the workflow runner, the event bus) reports of each call. */
export type AuthorizeLocalCall = (action: string, resource: string) => Promise<void>;
