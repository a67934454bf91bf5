import {
  CreateAccountCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListCreateAccountStatusCommand,
  OrganizationsClient,
  TooManyRequestsException,
} from "@aws-sdk/client-organizations";
import { unitContext, vendState } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { CreateSlotUnavailableError } from "../errors";
import { awaitCreation } from "./await-creation";
import { createAccount, REQUEST_TAG } from "./create";

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

    expect(result).toEqual({
      createRequestId: "car-1",
      requestedAt: ctx.clock().toISOString(),
      adopted: false,
    });
    const input = org.commandCalls(CreateAccountCommand)[0]?.args[0].input;
    expect(input?.AccountName).toBe("payments-dev");
    expect(input?.Email).toBe("aws+payments-dev@example.com");
    expect(input?.Tags).toContainEqual({ Key: REQUEST_TAG, Value: state.requestId });
    expect(input?.Tags).toContainEqual({ Key: "team", Value: "payments" });
    expect((await store.get(state.requestId))?.status).toBe("RUNNING");
  });

  it("never adopts an account someone else created with the email, and never lists the accounts", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);
    org.on(ListAccountsCommand).resolves({
      Accounts: [{ Id: "123412341234", Email: "AWS+payments-dev@example.com", State: "ACTIVE" }],
    });
    org.on(CreateAccountCommand).resolves({ CreateAccountStatus: { Id: "car-2", State: "IN_PROGRESS" } });

    const result = await createAccount(ctx, state);

    // AWS decides (EMAIL_ALREADY_EXISTS at the creation's end); the other account is never looked at.
    expect(result).toEqual({
      createRequestId: "car-2",
      requestedAt: ctx.clock().toISOString(),
      adopted: false,
    });
    expect(org.commandCalls(ListAccountsCommand)).toHaveLength(0);
    expect((await store.get(state.requestId))?.createRequestId).toBe("car-2");
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

    expect(result).toEqual({
      createRequestId: "car-8",
      requestedAt: ctx.clock().toISOString(),
      adopted: false,
    });
    expect(org.commandCalls(CreateAccountCommand)).toHaveLength(1);
    expect((await store.get(state.requestId))?.createRequestId).toBe("car-8");
  });

  it("joins the creation this request started before while it is still in progress", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);
    await store.putStep(state.requestId, { name: "create", status: "RUNNING", startedAt: "x" }, "x", {
      createRequestId: "car-9",
    });
    org
      .on(DescribeCreateAccountStatusCommand, { CreateAccountRequestId: "car-9" })
      .resolves({ CreateAccountStatus: { Id: "car-9", State: "IN_PROGRESS" } });

    expect(await createAccount(ctx, state)).toEqual({ createRequestId: "car-9", adopted: false });
    expect(org.commandCalls(CreateAccountCommand)).toHaveLength(0);
    expect(org.commandCalls(ListAccountsCommand)).toHaveLength(0);
  });

  it("refuses the account its own earlier creation made once that account is closed", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store);
    await store.putStep(state.requestId, { name: "create", status: "RUNNING", startedAt: "x" }, "x", {
      createRequestId: "car-3",
    });
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

    await awaitCreation(ctx, { ...ok, create: { createRequestId: "car-x", adopted: false } });
    await expect(
      awaitCreation(ctx, { ...bad, create: { createRequestId: "car-x", adopted: false } }),
    ).rejects.toThrow();

    expect(createSlots.holders.size).toBe(0);
  });
});
