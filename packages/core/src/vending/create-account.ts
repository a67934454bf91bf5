import {
  CreateAccountCommand,
  type CreateAccountStatus,
  DescribeCreateAccountStatusCommand,
  ListCreateAccountStatusCommand,
} from "@aws-sdk/client-organizations";
import { pagedList } from "../aws/paginate";
import { withRetry } from "../aws/retry";
import type { CoreContext } from "../context";
import { AccountCreationFailedError, CreateSlotUnavailableError, DeadlineExceededError } from "../errors";
import { findAccountByEmail } from "./directory";
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
 * Step `create`: adopts the account that already uses the email, or joins an in-flight
 * creation of the same account name, else calls CreateAccount. Safe to run twice.
 */
export async function createAccount(ctx: Ctx, state: VendState): Promise<CreateResult> {
  const { requestId, request } = state;
  await ctx.store.setStatus(requestId, "RUNNING", ctx.clock().toISOString());
  return tracked(ctx, requestId, "create", async () => {
    const existing = await findAccountByEmail(ctx, request.email);
    if (existing?.Id) {
      ctx.logger.info("Adopting the existing account with this email", { accountId: existing.Id });
      return { accountId: existing.Id, adopted: true };
    }
    const inFlight = await findInFlightCreation(ctx, request.name);
    if (inFlight?.Id) {
      ctx.logger.info("Joining the CreateAccount already in progress", { createRequestId: inFlight.Id });
      return { createRequestId: inFlight.Id, adopted: false };
    }
    if (!(await ctx.createSlots.acquire(requestId, ctx.clock()))) {
      throw new CreateSlotUnavailableError(
        "Five account creations are already in progress; waiting for a free slot",
      );
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
    return { createRequestId, adopted: false };
  });
}

async function findInFlightCreation(ctx: Ctx, accountName: string): Promise<CreateAccountStatus | undefined> {
  const statuses = await pagedList(
    "organizations:ListCreateAccountStatus",
    ctx.retry,
    (token) =>
      ctx.clients.organizations.send(
        new ListCreateAccountStatusCommand({ States: ["IN_PROGRESS"], NextToken: token }),
      ),
    (out) => out.CreateAccountStatuses,
  );
  return statuses.find((s) => s.AccountName === accountName);
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
