import type { InitializeHandlerOptions, InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { type AnyClientPlugin, operationKey } from "../../packages/core/src/aws/middleware";

/**
 * moto answers at once where AWS takes its time, so a fresh vend never reaches some of its code:
 * the assignment status check, the budget update. This test plugin steers the emulator's answers
 * into those paths, as AWS's real answers would:
 * - CreateAccountAssignment answers IN_PROGRESS (AWS provisions asynchronously);
 * - CreateBudget creates the budget but answers DuplicateRecordException, as a retry after a lost
 *   answer does: the step converges the existing budget and rewrites its notifications. (moto
 *   does not implement UpdateBudget, so a changed limit is covered by the unit tests only.)
 */
export function pathDriverPlugin(): AnyClientPlugin {
  type Out = { output: Record<string, unknown> };
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const op = operationKey(context.clientName, context.commandName);
    const result = await next(args);
    if (op === "Budgets.CreateBudget") {
      throw Object.assign(new Error("the budget exists"), {
        name: "DuplicateRecordException",
        $metadata: { httpStatusCode: 400 },
      });
    }
    const output = (result as unknown as Out).output;
    if (op === "SSOAdmin.CreateAccountAssignment") {
      const status = output.AccountAssignmentCreationStatus as Record<string, unknown> | undefined;
      if (status) status.Status = "IN_PROGRESS";
    }
    return result;
  };
  const options = {
    step: "initialize",
    name: "testPathDrivers",
    priority: "low",
  } as InitializeHandlerOptions;
  return { applyToStack: (stack) => stack.add(middleware, options) };
}
