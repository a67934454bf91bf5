import {
  CreateAccountCommand,
  type CreateAccountFailureReason,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListCreateAccountStatusCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  TooManyRequestsException,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { unitContext, vendState } from "../../../../test/support/unit-context";
import {
  AccountCreationFailedError,
  AccountNotActiveError,
  CreateSlotUnavailableError,
  DeadlineExceededError,
} from "../errors";
import { checkAccountCreation, createAccount, REQUEST_TAG } from "./create-account";

const org = mockClient(OrganizationsClient);

beforeEach(() => {
  org.reset();
});

describe("createAccount", () => {
  it("calls CreateAccount with the name, email and tags when no account uses the email", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);
    org
      .on(ListAccountsCommand)
      .resolves({ Accounts: [{ Id: "999999999999", Email: "someone@example.com" }] });
    org.on(ListCreateAccountStatusCommand).resolves({ CreateAccountStatuses: [] });
    org.on(CreateAccountCommand).resolves({ CreateAccountStatus: { Id: "car-1", State: "IN_PROGRESS" } });

    const result = await createAccount(ctx, state);

    expect(result).toEqual({ createRequestId: "car-1", adopted: false });
    const input = org.commandCalls(CreateAccountCommand)[0]?.args[0].input;
    expect(input?.AccountName).toBe("payments-dev");
    expect(input?.Email).toBe("aws+payments-dev@example.com");
    expect(input?.Tags).toContainEqual({ Key: REQUEST_TAG, Value: state.requestId });
    expect(input?.Tags).toContainEqual({ Key: "team", Value: "payments" });
    expect((await store.get(state.requestId))?.status).toBe("RUNNING");
  });

  it("adopts the account that already uses the email instead of creating a second one", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);
    org.on(ListAccountsCommand).resolves({
      Accounts: [{ Id: "123412341234", Email: "AWS+payments-dev@example.com", State: "ACTIVE" }],
    });

    const result = await createAccount(ctx, state);

    expect(result).toEqual({ accountId: "123412341234", adopted: true });
    expect(org.commandCalls(CreateAccountCommand)).toHaveLength(0);
  });

  it("never joins another request's in-flight creation of an account with the same name", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);
    org.on(ListAccountsCommand).resolves({ Accounts: [] });
    org.on(ListCreateAccountStatusCommand).resolves({
      CreateAccountStatuses: [{ Id: "car-7", AccountName: "payments-dev", State: "IN_PROGRESS" }],
    });
    org.on(CreateAccountCommand).resolves({ CreateAccountStatus: { Id: "car-8", State: "IN_PROGRESS" } });

    const result = await createAccount(ctx, state);

    expect(result).toEqual({ createRequestId: "car-8", adopted: false });
    expect(org.commandCalls(CreateAccountCommand)).toHaveLength(1);
    expect((await store.get(state.requestId))?.createRequestId).toBe("car-8");
  });

  it("joins the creation this request started before while it is still in progress", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);
    await store.setCreateRequestId(state.requestId, "car-9", "x");
    org
      .on(DescribeCreateAccountStatusCommand, { CreateAccountRequestId: "car-9" })
      .resolves({ CreateAccountStatus: { Id: "car-9", State: "IN_PROGRESS" } });

    expect(await createAccount(ctx, state)).toEqual({ createRequestId: "car-9", adopted: false });
    expect(org.commandCalls(CreateAccountCommand)).toHaveLength(0);
    expect(org.commandCalls(ListAccountsCommand)).toHaveLength(0);
  });

  it.each(["SUSPENDED", "PENDING_CLOSURE"] as const)(
    "refuses to adopt a %s account that uses the email, naming its state",
    async (accountState) => {
      const { ctx, store } = unitContext();
      const state = vendState(store);
      org.on(ListAccountsCommand).resolves({
        Accounts: [
          {
            Id: "123412341234",
            Email: "aws+payments-dev@example.com",
            State: accountState,
            Status: "SUSPENDED",
          },
        ],
      });

      const result = createAccount(ctx, state);

      await expect(result).rejects.toBeInstanceOf(AccountNotActiveError);
      await expect(result).rejects.toThrow(accountState);
      expect(org.commandCalls(CreateAccountCommand)).toHaveLength(0);
    },
  );

  it("refuses the account its own earlier creation made once that account is closed", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);
    await store.setCreateRequestId(state.requestId, "car-3", "x");
    org
      .on(DescribeCreateAccountStatusCommand)
      .resolves({ CreateAccountStatus: { Id: "car-3", State: "SUCCEEDED", AccountId: "123412341234" } });
    org
      .on(DescribeAccountCommand)
      .resolves({ Account: { Id: "123412341234", State: "SUSPENDED", Status: "SUSPENDED" } });

    await expect(createAccount(ctx, state)).rejects.toThrow(/123412341234.*SUSPENDED/);
    expect(org.commandCalls(CreateAccountCommand)).toHaveLength(0);
  });

  it("retries CreateAccount on throttling with growing jittered delays, then succeeds", async () => {
    const { ctx, store, retry } = unitContext();
    const state = vendState(store);
    org.on(ListAccountsCommand).resolves({ Accounts: [] });
    org.on(ListCreateAccountStatusCommand).resolves({});
    const throttled = new TooManyRequestsException({ message: "slow down", $metadata: {} });
    org
      .on(CreateAccountCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({ CreateAccountStatus: { Id: "car-2" } });

    const result = await createAccount(ctx, state);

    expect(result.createRequestId).toBe("car-2");
    expect(org.commandCalls(CreateAccountCommand)).toHaveLength(3);
    expect(retry.delays).toEqual([50, 100]);
  });
});

describe("checkAccountCreation", () => {
  it("reports IN_PROGRESS with a bounded wait, then SUCCEEDED with the account id", async () => {
    const { ctx, store } = unitContext({
      creation: { pollMinSeconds: 10, pollMaxSeconds: 60, deadlineMinutes: 30 },
    });
    const state = vendState(store, { create: { createRequestId: "car-1", adopted: false } });
    org
      .on(DescribeCreateAccountStatusCommand)
      .resolvesOnce({ CreateAccountStatus: { Id: "car-1", State: "IN_PROGRESS" } })
      .resolves({ CreateAccountStatus: { Id: "car-1", State: "SUCCEEDED", AccountId: "210987654321" } });

    const first = await checkAccountCreation(ctx, state);
    const second = await checkAccountCreation(ctx, { ...state, creation: first });

    expect(first.done).toBe(false);
    expect(first.waitSeconds).toBeGreaterThanOrEqual(1);
    expect(first.waitSeconds).toBeLessThanOrEqual(60);
    expect(second).toMatchObject({ done: true, accountId: "210987654321", attempt: 1 });
    expect(org.commandCalls(DescribeCreateAccountStatusCommand)[0]?.args[0].input).toEqual({
      CreateAccountRequestId: "car-1",
    });
    const record = await store.get(state.requestId);
    expect(record?.accountId).toBe("210987654321");
    expect(record?.steps.awaitCreation?.status).toBe("SUCCEEDED");
  });

  it.each([
    ["EMAIL_ALREADY_EXISTS", /already used by another AWS account/],
    ["ACCOUNT_LIMIT_EXCEEDED", /account quota/],
    ["SOMETHING_NEW_FROM_AWS", /SOMETHING_NEW_FROM_AWS/],
  ])("fails with the AWS reason when creation ends FAILED with %s", async (reason, message) => {
    const { ctx, store } = unitContext();
    const state = vendState(store, { create: { createRequestId: "car-1", adopted: false } });
    org.on(ListAccountsCommand).resolves({ Accounts: [] });
    org
      .on(DescribeCreateAccountStatusCommand)
      .resolvesOnce({ CreateAccountStatus: { State: "IN_PROGRESS" } })
      // An unknown reason must not crash: AWS adds reasons over time, so the SDK type is open-ended.
      .resolves({
        CreateAccountStatus: { State: "FAILED", FailureReason: reason as CreateAccountFailureReason },
      });
    const first = await checkAccountCreation(ctx, state);

    const failure = checkAccountCreation(ctx, { ...state, creation: first });

    await expect(failure).rejects.toBeInstanceOf(AccountCreationFailedError);
    await expect(failure).rejects.toMatchObject({ code: reason, message });
  });

  it("fails with DeadlineExceededError once the deadline has passed while still IN_PROGRESS", async () => {
    const { ctx, store, clock } = unitContext({
      creation: { deadlineMinutes: 30, pollMinSeconds: 10, pollMaxSeconds: 60 },
    });
    const state = vendState(store, { create: { createRequestId: "car-1", adopted: false } });
    org.on(DescribeCreateAccountStatusCommand).resolves({ CreateAccountStatus: { State: "IN_PROGRESS" } });
    const first = await checkAccountCreation(ctx, state);
    clock.now = new Date(clock.now.getTime() + 29 * 60_000);
    const second = await checkAccountCreation(ctx, { ...state, creation: first });
    clock.now = new Date(clock.now.getTime() + 2 * 60_000);

    await expect(checkAccountCreation(ctx, { ...state, creation: second })).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
    expect(second.done).toBe(false);
  });

  it("adopts on EMAIL_ALREADY_EXISTS the account its own lost CreateAccount made (tagged with its id)", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, { create: { createRequestId: "car-2", adopted: false } });
    org
      .on(DescribeCreateAccountStatusCommand)
      .resolves({ CreateAccountStatus: { State: "FAILED", FailureReason: "EMAIL_ALREADY_EXISTS" } });
    org.on(ListAccountsCommand).resolves({
      Accounts: [{ Id: "555566667777", Email: "aws+payments-dev@example.com", State: "ACTIVE" }],
    });
    org
      .on(ListTagsForResourceCommand, { ResourceId: "555566667777" })
      .resolves({ Tags: [{ Key: REQUEST_TAG, Value: state.requestId }] });

    const result = await checkAccountCreation(ctx, state);

    expect(result).toMatchObject({ done: true, accountId: "555566667777" });
  });

  it("fails with EMAIL_ALREADY_EXISTS when the account with the email is another request's", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, { create: { createRequestId: "car-2", adopted: false } });
    org
      .on(DescribeCreateAccountStatusCommand)
      .resolves({ CreateAccountStatus: { State: "FAILED", FailureReason: "EMAIL_ALREADY_EXISTS" } });
    org.on(ListAccountsCommand).resolves({
      Accounts: [{ Id: "555566667777", Email: "aws+payments-dev@example.com", State: "ACTIVE" }],
    });
    org.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: REQUEST_TAG, Value: "someone-else" }] });

    await expect(checkAccountCreation(ctx, state)).rejects.toMatchObject({ code: "EMAIL_ALREADY_EXISTS" });
  });

  it("finishes at once for an adopted account without calling AWS", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, { create: { accountId: "123412341234", adopted: true } });

    expect(await checkAccountCreation(ctx, state)).toMatchObject({ done: true, accountId: "123412341234" });
    expect(org.calls()).toHaveLength(0);
  });
});

describe("the CreateAccount slots", () => {
  it("waits (CreateSlotUnavailableError) without calling CreateAccount when five creations are in flight", async () => {
    const { ctx, store, createSlots } = unitContext();
    for (const h of ["r1", "r2", "r3", "r4", "r5"]) await createSlots.acquire(h, new Date());
    const state = vendState(store);
    org.on(ListAccountsCommand).resolves({ Accounts: [] });
    org.on(ListCreateAccountStatusCommand).resolves({});

    await expect(createAccount(ctx, state)).rejects.toBeInstanceOf(CreateSlotUnavailableError);
    expect(org.commandCalls(CreateAccountCommand)).toHaveLength(0);
  });

  it("holds a slot while creating and frees it when creation ends, succeeded or failed", async () => {
    const { ctx, store, createSlots } = unitContext();
    const ok = vendState(store);
    const bad = vendState(store);
    org.on(ListAccountsCommand).resolves({ Accounts: [] });
    org.on(ListCreateAccountStatusCommand).resolves({});
    org.on(CreateAccountCommand).resolves({ CreateAccountStatus: { Id: "car-x" } });
    await createAccount(ctx, ok);
    await createAccount(ctx, bad);
    expect([...createSlots.holders.keys()]).toEqual([ok.requestId, bad.requestId]);
    org
      .on(DescribeCreateAccountStatusCommand)
      .resolvesOnce({ CreateAccountStatus: { State: "SUCCEEDED", AccountId: "111111111111" } })
      .resolves({ CreateAccountStatus: { State: "FAILED", FailureReason: "INTERNAL_FAILURE" } });

    await checkAccountCreation(ctx, { ...ok, create: { createRequestId: "car-x", adopted: false } });
    await expect(
      checkAccountCreation(ctx, { ...bad, create: { createRequestId: "car-x", adopted: false } }),
    ).rejects.toThrow();

    expect(createSlots.holders.size).toBe(0);
  });
});
