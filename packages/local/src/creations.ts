import type { CreateAccountStatus } from "@aws-sdk/client-organizations";
import type { AnyClientPlugin } from "@quartermaster/core/aws/middleware";
import { operationKey } from "@quartermaster/core/aws/middleware";
import type { InitializeHandlerOptions, InitializeMiddleware, MetadataBearer } from "@smithy/types";

/** Publishes an event on the local bus, from a source other than Quartermaster's own. */
type PublishFrom = (source: string, detailType: string, detail: object) => Promise<void>;

const options = { step: "initialize", name: "quartermasterLocalCreations" } as InitializeHandlerOptions;

/**
 * What AWS does around CreateAccount that the emulator does not: the creation takes time (moto
 * finishes it at once), and when it ends Organizations emits `CreateAccountResult` through CloudTrail.
 * This plugin, on the control plane's clients in local mode only, answers DescribeCreateAccountStatus
 * IN_PROGRESS (without the account id) for `delayMs` after each CreateAccount, then publishes the event
 * in AWS's shape on the local bus, as CloudTrail would. With `delayMs` 0 the creation is over at once,
 * as moto has it, and the event follows at once.
 */
export function asynchronousCreations(delayMs: number, publish: PublishFrom): AnyClientPlugin {
  /** CreateAccount request id -> when its creation is over here, and how it ends (moto's answer). */
  const creations = new Map<string, { endsAt: number; state: string; accountId?: string }>();
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const operation = operationKey(context.clientName, context.commandName);
    const result = await next(args);
    const output = result.output as { CreateAccountStatus?: CreateAccountStatus };
    const status = output.CreateAccountStatus;
    if (!status?.Id) return result;
    if (operation === "Organizations.CreateAccount") {
      const id = status.Id;
      creations.set(id, {
        endsAt: Date.now() + delayMs,
        state: status.State ?? "SUCCEEDED",
        accountId: status.AccountId,
      });
      const timer = setTimeout(() => void announce(id), delayMs);
      timer.unref();
      return result;
    }
    if (operation === "Organizations.DescribeCreateAccountStatus") {
      const creation = creations.get(status.Id);
      if (creation && Date.now() < creation.endsAt)
        output.CreateAccountStatus = { ...status, State: "IN_PROGRESS", AccountId: undefined };
    }
    return result;
  };
  /** The event, with how moto said the creation ends (its status is final at once). */
  const announce = async (createRequestId: string) => {
    const creation = creations.get(createRequestId);
    creations.delete(createRequestId);
    if (!creation) return;
    await publish("aws.organizations", "AWS Service Event via CloudTrail", {
      eventSource: "organizations.amazonaws.com",
      eventName: "CreateAccountResult",
      eventType: "AwsServiceEvent",
      serviceEventDetails: {
        createAccountStatus: { id: createRequestId, state: creation.state, accountId: creation.accountId },
      },
    });
  };
  return { applyToStack: (stack) => stack.add(middleware, options) };
}
