import {
  DescribeCreateAccountStatusCommand,
  ListTagsForResourceCommand,
} from "@aws-sdk/client-organizations";
import type { CoreContext } from "../context";
import { AccountCreationFailedError, DeadlineExceededError } from "../errors";
import { findAccountByEmail } from "../org/directory";
import { assertActive, REQUEST_TAG } from "./create";
import { nextPollSeconds, pastDeadline } from "./poll";
import type { CreationProgress, StageCall, VendState } from "./state";
import { stepStarted, stepSucceeded } from "./track-step";

type Ctx = Pick<
  CoreContext,
  "clients" | "config" | "retry" | "store" | "clock" | "logger" | "createSlots" | "creationWaits"
>;

/** What each CreateAccount FailureReason means for the operator. */
const FAILURE_REASONS: Record<string, string> = {
  EMAIL_ALREADY_EXISTS: "the email is already used by another AWS account (outside this organisation)",
  ACCOUNT_LIMIT_EXCEEDED:
    "the organisation has reached its account quota; request an increase in Service Quotas",
  INVALID_EMAIL: "AWS rejected the email address",
  INVALID_ADDRESS: "AWS rejected the account's address",
  INVALID_IDENTITY_FOR_BUSINESS_VALIDATION: "AWS could not validate the organisation's identity",
  CONCURRENT_ACCOUNT_MODIFICATION: "another change to the organisation was in progress; retry the request",
  INTERNAL_FAILURE: "AWS failed internally; retry the request",
  GOVCLOUD_ACCOUNT_ALREADY_EXISTS: "a GovCloud account already exists for this account",
  MISSING_BUSINESS_VALIDATION: "the management account is missing business validation",
  MISSING_PAYMENT_INSTRUMENT: "the management account has no valid payment method",
  PENDING_BUSINESS_VALIDATION: "the management account's business validation is still pending",
  UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED:
    "tags could not be applied under the current resource policy",
};

/** The operator-facing message for a CreateAccount FailureReason; unknown reasons are reported as they are. */
export function describeFailureReason(reason: string | undefined): string {
  const code = reason ?? "UNKNOWN";
  return FAILURE_REASONS[code] ?? `AWS reported failure reason ${code}`;
}

/**
 * AWS answers EMAIL_ALREADY_EXISTS also when this request's own earlier CreateAccount (lost in a
 * crash before its id was recorded) made the account: adopt it when it carries this request's tag.
 */
async function adoptOwnAccount(ctx: Ctx, state: VendState): Promise<string | undefined> {
  // The rare path (AWS said the email is taken): the accounts as they are now.
  const account = await findAccountByEmail(ctx, state.request.email);
  if (!account?.Id) return undefined;
  const tags = await ctx.clients.organizations.send(
    new ListTagsForResourceCommand({ ResourceId: account.Id }),
  );
  const ours = tags.Tags?.some((t) => t.Key === REQUEST_TAG && t.Value === state.requestId);
  if (!ours) return undefined;
  assertActive(account);
  return account.Id;
}

/**
 * Stage `awaitCreation`: one status check. SUCCEEDED finishes (the slot freed, the account id recorded);
 * FAILED raises with the AWS reason; the deadline passing raises DeadlineExceededError.
 *
 * IN_PROGRESS, in the callback task (`call.taskToken`): the token is armed for Organizations'
 * `CreateAccountResult` event, whose handler completes it (`resumeOnCreationEvent`), and the result
 * says `waiting`. If the event came first (between the check and the arming), the wait is resumed at
 * once. The workflow then runs this stage again: the check after the event is the one that counts.
 * Without a token (an execution started before callbacks), it returns the jittered wait to poll after.
 */
export async function awaitCreation(
  ctx: Ctx,
  state: VendState,
  call: StageCall = {},
): Promise<CreationProgress> {
  const { requestId } = state;
  const now = ctx.clock();
  const previous = state.awaitCreation;
  const attempt = previous ? previous.attempt + 1 : 0;
  // From the CreateAccount request: a round after the fallback has no previous result, and the deadline still holds.
  const since = state.create?.requestedAt ?? previous?.since ?? now.toISOString();

  const finish = async (accountId: string): Promise<CreationProgress> => {
    await ctx.createSlots.release(requestId);
    await stepSucceeded(ctx, requestId, "awaitCreation", since, { accountId });
    return { done: true, accountId, attempt, since, waitSeconds: 0 };
  };

  if (state.create?.accountId) return finish(state.create.accountId);
  const createRequestId = state.create?.createRequestId;
  if (!createRequestId) throw new AccountCreationFailedError("UNKNOWN", "No CreateAccount request to await");

  const check = async () =>
    (
      await ctx.clients.organizations.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: createRequestId }),
      )
    ).CreateAccountStatus;
  let status = await check();
  // Woken by the event, the status may still lag behind it for a moment: look again a few times, in
  // this invocation (1, 2, 4, 8, 16 s at most), rather than wait for an event that has already come.
  for (let pause = 1000; previous?.woken && status?.State === "IN_PROGRESS" && pause <= 16_000; pause *= 2) {
    await ctx.retry.sleep(pause);
    status = await check();
  }
  if (status?.State === "SUCCEEDED" && status.AccountId) return finish(status.AccountId);
  if (status?.State === "FAILED") {
    await ctx.createSlots.release(requestId);
    const reason = status.FailureReason ?? "UNKNOWN";
    if (reason === "EMAIL_ALREADY_EXISTS") {
      const own = await adoptOwnAccount(ctx, state);
      if (own) return finish(own);
    }
    throw new AccountCreationFailedError(
      reason,
      `CreateAccount failed (${reason}): ${describeFailureReason(reason)}`,
    );
  }
  if (pastDeadline(since, ctx.config.creation.deadlineMinutes, now)) {
    await ctx.createSlots.release(requestId);
    throw new DeadlineExceededError(
      `Account creation ${createRequestId} did not finish within ${ctx.config.creation.deadlineMinutes} minutes`,
    );
  }
  // RUNNING is recorded only for a creation still under way (one write, not two, when it is done at once).
  if (!previous) await stepStarted(ctx, requestId, "awaitCreation", since);
  if (call.taskToken) {
    const eventCameFirst = await ctx.creationWaits.arm(createRequestId, call.taskToken, requestId);
    // Resumed by the event, or the fallback's timeout; the next round's deadline counts from CreateAccount.
    return { done: false, attempt, since, waitSeconds: 0, waiting: !eventCameFirst, woken: eventCameFirst };
  }
  return {
    done: false,
    attempt,
    since,
    waitSeconds: nextPollSeconds(ctx.config.creation, attempt, ctx.retry.random),
  };
}
