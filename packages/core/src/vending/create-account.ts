import {
  type Account,
  CreateAccountCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListTagsForResourceCommand,
} from "@aws-sdk/client-organizations";
import { withRetry } from "../aws/retry";
import type { CoreContext } from "../context";
import {
  AccountCreationFailedError,
  AccountNotActiveError,
  CreateSlotUnavailableError,
  DeadlineExceededError,
} from "../errors";
import { accountState, findAccountByEmail } from "../org/directory";
import { nextPollSeconds, pastDeadline } from "./poll";
import type { CreateResult, CreationProgress, VendState } from "./state";
import { stepStarted, stepSucceeded, tracked } from "./track-step";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "store" | "clock" | "logger" | "createSlots">;

/** Tag that ties an account to the request that vended it. */
export const REQUEST_TAG = "quartermaster:request-id";

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
 * Step `create`: joins the CreateAccount this request started before (its recorded request id),
 * adopts the ACTIVE account that already uses the email, else calls CreateAccount and records
 * its request id at once. Safe to run twice. Another request's in-flight creation is never
 * joined: a creation is known by the email, which ListCreateAccountStatus does not show.
 */
export async function createAccount(ctx: Ctx, state: VendState): Promise<CreateResult> {
  const { requestId, request } = state;
  // The slot first, before anything is read or written: a request waiting for one retries this
  // step often, and each try costs one conditional write. The request stays PENDING meanwhile.
  // Acquiring is idempotent per request, and the slot is freed when awaitCreation ends (or fails).
  if (!(await ctx.createSlots.acquire(requestId, ctx.clock()))) {
    throw new CreateSlotUnavailableError(
      "Five account creations are already in progress; waiting for a free slot",
    );
  }
  await ctx.store.setStatus(requestId, "RUNNING", ctx.clock().toISOString());
  return tracked(ctx, requestId, "create", async () => {
    const earlier = await ourEarlierCreation(ctx, requestId);
    if (earlier) return earlier;
    const existing = await findAccountByEmail(ctx, request.email);
    if (existing?.Id) {
      assertActive(existing);
      ctx.logger.info("Adopting the existing account with this email", { accountId: existing.Id });
      return { accountId: existing.Id, adopted: true };
    }
    const tags = Object.entries(request.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const out = await withRetry(
      "organizations:CreateAccount",
      () =>
        ctx.clients.organizations.send(
          new CreateAccountCommand({
            AccountName: request.name,
            Email: request.email,
            Tags: [...tags, { Key: REQUEST_TAG, Value: requestId }],
          }),
        ),
      ctx.retry,
    );
    const createRequestId = out.CreateAccountStatus?.Id;
    if (!createRequestId)
      throw new AccountCreationFailedError("UNKNOWN", "CreateAccount returned no request id");
    await ctx.store.setCreateRequestId(requestId, createRequestId, ctx.clock().toISOString());
    return { createRequestId, adopted: false };
  });
}

/** Only an ACTIVE account is adopted; a SUSPENDED or PENDING_CLOSURE one fails the request, naming its state. */
function assertActive(account: Account): void {
  const state = accountState(account);
  if (state !== "ACTIVE") throw new AccountNotActiveError(account.Id ?? "unknown", state);
}

/**
 * The CreateAccount this request started before: joined while in progress, its account adopted
 * (when ACTIVE) once it succeeded; a failed one is forgotten so that CreateAccount runs again.
 */
async function ourEarlierCreation(ctx: Ctx, requestId: string): Promise<CreateResult | undefined> {
  const createRequestId = (await ctx.store.get(requestId))?.createRequestId;
  if (!createRequestId) return undefined;
  const out = await withRetry(
    "organizations:DescribeCreateAccountStatus",
    () =>
      ctx.clients.organizations.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: createRequestId }),
      ),
    ctx.retry,
  );
  const status = out.CreateAccountStatus;
  if (status?.State === "IN_PROGRESS") {
    ctx.logger.info("Joining this request's CreateAccount", { createRequestId });
    return { createRequestId, adopted: false };
  }
  if (status?.State !== "SUCCEEDED" || !status.AccountId) return undefined;
  const accountId = status.AccountId;
  const described = await withRetry(
    "organizations:DescribeAccount",
    () => ctx.clients.organizations.send(new DescribeAccountCommand({ AccountId: accountId })),
    ctx.retry,
  );
  assertActive(described.Account ?? { Id: accountId });
  ctx.logger.info("Adopting the account this request created before", { accountId });
  return { accountId, adopted: true };
}

/**
 * AWS answers EMAIL_ALREADY_EXISTS also when this request's own earlier CreateAccount (lost in a
 * crash before its id was recorded) made the account: adopt it when it carries this request's tag.
 */
async function adoptOwnAccount(ctx: Ctx, state: VendState): Promise<string | undefined> {
  const account = await findAccountByEmail(ctx, state.request.email);
  if (!account?.Id) return undefined;
  const tags = await withRetry(
    "organizations:ListTagsForResource",
    () => ctx.clients.organizations.send(new ListTagsForResourceCommand({ ResourceId: account.Id })),
    ctx.retry,
  );
  const ours = tags.Tags?.some((t) => t.Key === REQUEST_TAG && t.Value === state.requestId);
  if (!ours) return undefined;
  assertActive(account);
  return account.Id;
}

/**
 * Step `awaitCreation`: one status check. IN_PROGRESS returns the jittered wait before the
 * next check; FAILED raises with the AWS reason; the deadline passing raises DeadlineExceededError.
 */
export async function checkAccountCreation(ctx: Ctx, state: VendState): Promise<CreationProgress> {
  const { requestId } = state;
  const now = ctx.clock();
  const previous = state.creation;
  const attempt = previous ? previous.attempt + 1 : 0;
  const since = previous?.since ?? now.toISOString();
  if (!previous) await stepStarted(ctx, requestId, "awaitCreation");

  const finish = async (accountId: string): Promise<CreationProgress> => {
    await ctx.createSlots.release(requestId);
    await ctx.store.setAccountId(requestId, accountId, ctx.clock().toISOString());
    await stepSucceeded(ctx, requestId, "awaitCreation", since);
    return { done: true, accountId, attempt, since, waitSeconds: 0 };
  };

  if (state.create?.accountId) return finish(state.create.accountId);
  const createRequestId = state.create?.createRequestId;
  if (!createRequestId) throw new AccountCreationFailedError("UNKNOWN", "No CreateAccount request to await");

  const out = await withRetry(
    "organizations:DescribeCreateAccountStatus",
    () =>
      ctx.clients.organizations.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: createRequestId }),
      ),
    ctx.retry,
  );
  const status = out.CreateAccountStatus;
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
  return {
    done: false,
    attempt,
    since,
    waitSeconds: nextPollSeconds(ctx.config.creation, attempt, ctx.retry.random),
  };
}
