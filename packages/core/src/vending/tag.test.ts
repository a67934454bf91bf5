import {
  ListTagsForResourceCommand,
  OrganizationsClient,
  TagResourceCommand,
} from "@aws-sdk/client-organizations";
import { unitContext, vendState } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { REQUEST_TAG } from "./create";
import { tagAccount } from "./tag";

const org = mockClient(OrganizationsClient);

beforeEach(() => {
  org.reset();
});

describe("tagAccount", () => {
  it("writes nothing and reads nothing for an account this request created: CreateAccount tagged it", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, {
      create: { accountId: "210987654321", createRequestId: "car-1", adopted: false },
    });

    expect(await tagAccount(ctx, state)).toEqual({ tagged: 0 });
    expect(org.calls()).toHaveLength(0);
  });

  it("writes only the missing or changed tags of an adopted account", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, { create: { accountId: "210987654321", adopted: true } });
    org.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: REQUEST_TAG, Value: state.requestId }] });
    org.on(TagResourceCommand).resolves({});

    const result = await tagAccount(ctx, {
      ...state,
      request: { ...state.request, tags: { team: "payments" } },
    });

    expect(result).toEqual({ tagged: 1 });
    expect(org.commandCalls(TagResourceCommand)[0]?.args[0].input.Tags).toEqual([
      { Key: "team", Value: "payments" },
    ]);
  });
});
