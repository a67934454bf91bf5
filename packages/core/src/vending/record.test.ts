import { unitContext, vendState } from "@test/support/unit-context";
import { describe, expect, it } from "vitest";
import { recordSuccess } from "./record";

describe("recordSuccess", () => {
  it("marks the request SUCCEEDED and announces the account once, even when run twice", async () => {
    const { ctx, store, events } = unitContext({
      identityCenter: { portalUrl: "https://example.awsapps.com/start" },
    });
    const state = vendState(store, { create: { accountId: "210987654321", adopted: false } });

    await recordSuccess(ctx, state);
    await recordSuccess(ctx, state);

    expect((await store.get(state.requestId))?.status).toBe("SUCCEEDED");
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({
      detailType: "Account Ready",
      detail: {
        accountId: "210987654321",
        accountName: "payments-dev",
        portalUrl: "https://example.awsapps.com/start",
      },
    });
  });
});
