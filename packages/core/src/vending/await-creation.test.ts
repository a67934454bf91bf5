import {
  type CreateAccountFailureReason,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { unitContext, vendState } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AccountCreationFailedError, DeadlineExceededError } from "../errors";
import { awaitCreation } from "./await-creation";
import { REQUEST_TAG } from "./create";

const org = mockClient(OrganizationsClient);

beforeEach(() => {
  org.reset();
});

describe("awaitCreation", () => {
  it("reports IN_PROGRESS with a bounded wait, then SUCCEEDED with the account id", async () => {
    const { ctx, store } = unitContext({
      creation: { pollMinSeconds: 10, pollMaxSeconds: 60, deadlineMinutes: 30 },
    });
    const state = vendState(store, { create: { createRequestId: "car-1", adopted: false } });
    org
      .on(DescribeCreateAccountStatusCommand)
      .resolvesOnce({ CreateAccountStatus: { Id: "car-1", State: "IN_PROGRESS" } })
      .resolves({ CreateAccountStatus: { Id: "car-1", State: "SUCCEEDED", AccountId: "210987654321" } });

    const first = await awaitCreation(ctx, state);
    const second = await awaitCreation(ctx, { ...state, awaitCreation: first });

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
    const first = await awaitCreation(ctx, state);

    const failure = awaitCreation(ctx, { ...state, awaitCreation: first });

    await expect(failure).rejects.toBeInstanceOf(AccountCreationFailedError);
    await expect(failure).rejects.toMatchObject({ code: reason, message });
  });

  it("fails with DeadlineExceededError once the deadline has passed while still IN_PROGRESS", async () => {
    const { ctx, store, clock } = unitContext({
      creation: { deadlineMinutes: 30, pollMinSeconds: 10, pollMaxSeconds: 60 },
    });
    const state = vendState(store, { create: { createRequestId: "car-1", adopted: false } });
    org.on(DescribeCreateAccountStatusCommand).resolves({ CreateAccountStatus: { State: "IN_PROGRESS" } });
    const first = await awaitCreation(ctx, state);
    clock.now = new Date(clock.now.getTime() + 29 * 60_000);
    const second = await awaitCreation(ctx, { ...state, awaitCreation: first });
    clock.now = new Date(clock.now.getTime() + 2 * 60_000);

    await expect(awaitCreation(ctx, { ...state, awaitCreation: second })).rejects.toBeInstanceOf(
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

    const result = await awaitCreation(ctx, state);

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

    await expect(awaitCreation(ctx, state)).rejects.toMatchObject({ code: "EMAIL_ALREADY_EXISTS" });
  });

  it("finishes at once for an adopted account without calling AWS", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, { create: { accountId: "123412341234", adopted: true } });

    expect(await awaitCreation(ctx, state)).toMatchObject({ done: true, accountId: "123412341234" });
    expect(org.calls()).toHaveLength(0);
  });
});
