import { randomBytes } from "node:crypto";
import type { CreateAccountStatus } from "@aws-sdk/client-organizations";
import type { AnyClientPlugin } from "@quartermaster/core/aws/middleware";
import { operationKey } from "@quartermaster/core/aws/middleware";
import type { InitializeHandlerOptions, InitializeMiddleware, MetadataBearer } from "@smithy/types";

/** An answer made here, as the SDK would have parsed it from Organizations (no HTTP response behind it). */
function answer(status: CreateAccountStatus) {
  return { output: { CreateAccountStatus: status, $metadata: {} }, response: undefined };
}

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
 *
 * moto also lets two accounts share an email; AWS does not. With `emailTaken`, a CreateAccount for an
 * email an account already uses never reaches moto: it is accepted (IN_PROGRESS, as AWS answers), and
 * the creation ends FAILED with `EMAIL_ALREADY_EXISTS`, in its status and in its event.
 */
export function asynchronousCreations(
  delayMs: number,
  publish: PublishFrom,
  emailTaken?: (email: string) => Promise<boolean>,
): AnyClientPlugin {
  /** CreateAccount request id -> when its creation is over here, and how it ends (moto's answer, or a refusal). */
  const creations = new Map<
    string,
    {
      endsAt: number;
      state: string;
      accountId?: string;
      failureReason?: string;
      status?: CreateAccountStatus;
    }
  >();
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const operation = operationKey(context.clientName, context.commandName);
    const input = args.input as { Email?: string; CreateAccountRequestId?: string };
    if (operation === "Organizations.CreateAccount" && input.Email && (await emailTaken?.(input.Email))) {
      return answer(refuse(input as { AccountName?: string }));
    }
    const refused = creations.get(input.CreateAccountRequestId ?? "")?.status;
    if (operation === "Organizations.DescribeCreateAccountStatus" && refused) {
      const over = Date.now() >= (creations.get(refused.Id as string)?.endsAt ?? 0);
      return answer(over ? refused : { ...refused, State: "IN_PROGRESS" });
    }
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
  /** A creation AWS would refuse: IN_PROGRESS now, FAILED (EMAIL_ALREADY_EXISTS) when it is over. */
  const refuse = (input: { AccountName?: string }): CreateAccountStatus => {
    const id = `car-${randomBytes(16).toString("hex")}`;
    const status: CreateAccountStatus = {
      Id: id,
      AccountName: input.AccountName,
      State: "FAILED",
      FailureReason: "EMAIL_ALREADY_EXISTS",
      RequestedTimestamp: new Date(),
    };
    creations.set(id, {
      endsAt: Date.now() + delayMs,
      state: "FAILED",
      failureReason: "EMAIL_ALREADY_EXISTS",
      status,
    });
    const timer = setTimeout(() => void announce(id), delayMs);
    timer.unref();
    return { ...status, State: "IN_PROGRESS", FailureReason: undefined };
  };
  /** The event, with how moto said the creation ends (its status is final at once). */
  const announce = async (createRequestId: string) => {
    const creation = creations.get(createRequestId);
    if (!creation) return;
    // moto answers for its own creations from now on; a refused one only this plugin knows.
    if (!creation.status) creations.delete(createRequestId);
    await publish("aws.organizations", "AWS Service Event via CloudTrail", {
      eventSource: "organizations.amazonaws.com",
      eventName: "CreateAccountResult",
      eventType: "AwsServiceEvent",
      serviceEventDetails: {
        createAccountStatus: {
          id: createRequestId,
          state: creation.state,
          accountId: creation.accountId,
          failureReason: creation.failureReason,
        },
      },
    });
  };
  return { applyToStack: (stack) => stack.add(middleware, options) };
}
