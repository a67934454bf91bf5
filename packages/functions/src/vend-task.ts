import type { CoreContext } from "@quartermaster/core/context";
import { QuartermasterError, toWorkflowError } from "@quartermaster/core/errors";
import { checkAccountCreation, createAccount } from "@quartermaster/core/vending/create-account";
import type { VendTask } from "@quartermaster/core/vending/definition";
import { recordFailure, retriedByWorkflow, STEP_OF_TASK } from "@quartermaster/core/vending/failures";
import { recordSuccess } from "@quartermaster/core/vending/finish";
import { checkGrants, grantAccess } from "@quartermaster/core/vending/grant-access";
import { placeAccount } from "@quartermaster/core/vending/place-account";
import { provisionBudget } from "@quartermaster/core/vending/provision-budget";
import type { VendState } from "@quartermaster/core/vending/state";
import { tagAccount } from "@quartermaster/core/vending/tag-account";
import { VendTaskEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext } from "./runtime";

/** The payload every vend-account Task state sends (see `lambdaTask` in core). */
export interface VendTaskEvent {
  executionArn: string;
  state: VendState;
}

function assertNever(value: never): never {
  throw new Error(`Unhandled task ${String(value)}`);
}

/** Runs one vend-account task against core. */
export async function runVendTask(ctx: CoreContext, task: VendTask, event: VendTaskEvent): Promise<unknown> {
  const { state } = event;
  switch (task) {
    case "createAccount":
      return createAccount(ctx, state);
    case "checkAccountCreation":
      return checkAccountCreation(ctx, state);
    case "placeAccount":
      return placeAccount(ctx, state);
    case "grantAccess":
      return grantAccess(ctx, state);
    case "checkGrants":
      return checkGrants(ctx, state);
    case "provisionBudget":
      return provisionBudget(ctx, state);
    case "tagAccount":
      return tagAccount(ctx, state);
    case "recordSuccess":
      return recordSuccess(ctx, state);
    default:
      return assertNever(task);
  }
}

/** A Lambda handler for one task, with request id, execution ARN and account id as log keys. */
export function makeVendTaskHandler(task: VendTask, source: ContextSource) {
  return withBase<VendTaskEvent, unknown>(source, async (event, ctx) => {
    const accountId = event.state.creation?.accountId ?? event.state.create?.accountId;
    ctx.logger.appendKeys({
      requestId: event.state.requestId,
      executionArn: event.executionArn,
      accountId,
      task,
    });
    try {
      return await runVendTask(ctx, task, event);
    } catch (error) {
      ctx.logger.warn("Task failed", { error });
      const thrown = toWorkflowError(error);
      // An error the state machine will not retry ends the execution here: record it now.
      // (Retried errors that run out of attempts are recorded by the execution monitor.)
      if (!retriedByWorkflow(thrown.name)) {
        await recordFailure(ctx, {
          requestId: event.state.requestId,
          step: STEP_OF_TASK[task],
          code: error instanceof QuartermasterError ? error.code : thrown.name,
          message: error instanceof Error ? error.message : String(error),
          executionArn: event.executionArn,
        });
      }
      throw thrown;
    }
  });
}

const deployed = lambdaContext(VendTaskEnvSchema);
export const createAccountHandler = makeVendTaskHandler("createAccount", deployed);
export const checkAccountCreationHandler = makeVendTaskHandler("checkAccountCreation", deployed);
export const placeAccountHandler = makeVendTaskHandler("placeAccount", deployed);
export const grantAccessHandler = makeVendTaskHandler("grantAccess", deployed);
export const checkGrantsHandler = makeVendTaskHandler("checkGrants", deployed);
export const provisionBudgetHandler = makeVendTaskHandler("provisionBudget", deployed);
export const tagAccountHandler = makeVendTaskHandler("tagAccount", deployed);
export const recordSuccessHandler = makeVendTaskHandler("recordSuccess", deployed);
