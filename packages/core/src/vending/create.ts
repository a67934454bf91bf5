import {
  type Account,
  CreateAccountCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
} from "@aws-sdk/client-organizations";
import type { CoreContext } from "../context";
import { AccountCreationFailedError, AccountNotActiveError, CreateSlotUnavailableError } from "../errors";
import { accountState } from "../org/directory";
import type { CreateResult, VendState } from "./state";
import { stepStarted, stepSucceeded } from "./track-step";

type Ctx = Pick<CoreContext, "clients" | "config" | "retry" | "store" | "clock" | "logger" | "createSlots">;

/** Waiting for one of the five CreateAccount slots: up to about an hour, jittered. */
export const CREATE_SLOT_RETRY = {
  ErrorEquals: ["CreateSlotUnavailableError"],
  IntervalSeconds: 30,
  MaxAttempts: 40,
  BackoffRate: 1.2,
  MaxDelaySeconds: 120,
  JitterStrategy: "FULL",
};

/** Tag that ties an account to the request that vended it. */
export const REQUEST_TAG = "quartermaster:request-id";

/**
 * Stage `create`: joins the CreateAccount this request started before (its recorded request id),
 * else calls CreateAccount and records its request id at once. Safe to run twice. It never looks an
 * account up by email: an account someone else made with this email (however long the request waited
 * for approval) is AWS's to report, as EMAIL_ALREADY_EXISTS, and is never adopted (DESIGN rule 1).
 * Another request's in-flight creation is never joined either.
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
  // RUNNING, and the step's start, in one write.
  const { startedAt } = await stepStarted(ctx, requestId, "create", undefined, { status: "RUNNING" });
  const done = async (result: CreateResult): Promise<CreateResult> => {
    await stepSucceeded(ctx, requestId, "create", startedAt);
    return result;
  };
  const earlier = await ourEarlierCreation(ctx, requestId);
  if (earlier) return done(earlier);
  const tags = Object.entries(request.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  const out = await ctx.clients.organizations.send(
    new CreateAccountCommand({
      AccountName: request.name,
      Email: request.email,
      Tags: [...tags, { Key: REQUEST_TAG, Value: requestId }],
    }),
  );
  const createRequestId = out.CreateAccountStatus?.Id;
  if (!createRequestId)
    throw new AccountCreationFailedError("UNKNOWN", "CreateAccount returned no request id");
  // The CreateAccount request id is recorded at once (a rerun joins this creation), in the step's own write.
  const requestedAt = ctx.clock().toISOString();
  await stepSucceeded(ctx, requestId, "create", startedAt, { createRequestId });
  return { createRequestId, requestedAt, adopted: false };
}

/** Only an ACTIVE account is adopted; a SUSPENDED or PENDING_CLOSURE one fails the request, naming its state. */
export function assertActive(account: Account): void {
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
  const out = await ctx.clients.organizations.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: createRequestId }),
  );
  const status = out.CreateAccountStatus;
  if (status?.State === "IN_PROGRESS") {
    ctx.logger.info("Joining this request's CreateAccount", { createRequestId });
    return { createRequestId, requestedAt: status.RequestedTimestamp?.toISOString(), adopted: false };
  }
  if (status?.State !== "SUCCEEDED" || !status.AccountId) return undefined;
  const accountId = status.AccountId;
  const described = await ctx.clients.organizations.send(
    new DescribeAccountCommand({ AccountId: accountId }),
  );
  assertActive(described.Account ?? { Id: accountId });
  ctx.logger.info("Adopting the account this request created before", { accountId });
  return { accountId, adopted: true };
}
