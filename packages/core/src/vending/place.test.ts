import {
  DuplicateAccountException,
  ListParentsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  SourceParentNotFoundException,
} from "@aws-sdk/client-organizations";
import { unitContext, vendState } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { placeAccount } from "./place";

const org = mockClient(OrganizationsClient);
const created = { create: { accountId: "210987654321", adopted: true } };

beforeEach(() => {
  org.reset();
});

describe("placeAccount", () => {
  it("moves the account from its current parent to the requested OU", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, created);
    org.on(ListParentsCommand).resolves({ Parents: [{ Id: "r-root", Type: "ROOT" }] });
    org.on(MoveAccountCommand).resolves({});

    expect(await placeAccount(ctx, state)).toEqual({ moved: true, ouId: "ou-abcd-11111111" });
    expect(org.commandCalls(MoveAccountCommand)[0]?.args[0].input).toEqual({
      AccountId: "210987654321",
      SourceParentId: "r-root",
      DestinationParentId: "ou-abcd-11111111",
    });
  });

  it("does nothing when the account is already in the OU", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, created);
    org
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: "ou-abcd-11111111", Type: "ORGANIZATIONAL_UNIT" }] });

    expect(await placeAccount(ctx, state)).toEqual({ moved: false, ouId: "ou-abcd-11111111" });
    expect(org.commandCalls(MoveAccountCommand)).toHaveLength(0);
  });

  it("treats DuplicateAccountException as already placed", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, created);
    org.on(ListParentsCommand).resolves({ Parents: [{ Id: "r-root", Type: "ROOT" }] });
    org
      .on(MoveAccountCommand)
      .rejects(new DuplicateAccountException({ message: "already there", $metadata: {} }));

    expect(await placeAccount(ctx, state)).toEqual({ moved: false, ouId: "ou-abcd-11111111" });
    expect(org.commandCalls(MoveAccountCommand)).toHaveLength(1);
    expect((await store.get(state.requestId))?.steps.place?.status).toBe("SUCCEEDED");
  });
});

describe("placing an account this request created", () => {
  const fresh = {
    create: { createRequestId: "car-1", adopted: false },
    awaitCreation: { done: true, accountId: "210987654321", attempt: 0, since: "x", waitSeconds: 0 },
  };

  it("moves it from the root, where AWS creates every account, without asking where it is", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, fresh);
    org.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-root" }] });
    org.on(MoveAccountCommand).resolves({});

    expect(await placeAccount(ctx, state)).toEqual({ moved: true, ouId: "ou-abcd-11111111" });
    expect(org.commandCalls(ListParentsCommand)).toHaveLength(0);
    expect(org.commandCalls(MoveAccountCommand)[0]?.args[0].input.SourceParentId).toBe("r-root");
  });

  it("looks up its parent when it is not in the root after all (a rerun after the move), and moves nothing twice", async () => {
    const { ctx, store } = unitContext();
    const state = vendState(store, fresh);
    org.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-root" }] });
    org
      .on(MoveAccountCommand)
      .rejects(
        new SourceParentNotFoundException({ message: "We can't find a source root or OU", $metadata: {} }),
      );
    org
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: "ou-abcd-11111111", Type: "ORGANIZATIONAL_UNIT" }] });

    expect(await placeAccount(ctx, state)).toEqual({ moved: false, ouId: "ou-abcd-11111111" });
    expect(org.commandCalls(MoveAccountCommand)).toHaveLength(1);
  });
});
