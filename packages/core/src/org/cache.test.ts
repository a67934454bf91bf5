import {
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { setDirectoryTtl, TtlMemo } from "./cache";
import { resolveOu } from "./directory";

const org = mockClient(OrganizationsClient);
beforeEach(() => org.reset());

describe("TtlMemo", () => {
  it("keeps a value for its TTL, loads afresh after it or when asked, and never keeps a failed load", async () => {
    let now = 0;
    let loads = 0;
    const memo = new TtlMemo<number>(1000, () => now);
    const load = async () => ++loads;

    expect(await memo.get("k", load)).toBe(1);
    now = 999;
    expect(await memo.get("k", load)).toBe(1);
    expect(await memo.get("k", load, { fresh: true })).toBe(2);
    now = 2000;
    expect(await memo.get("k", load)).toBe(3);
    await expect(memo.get("bad", async () => Promise.reject(new Error("throttled")))).rejects.toThrow();
    expect(await memo.get("bad", load)).toBe(4);
  });
});

describe("the directory cache on the request path", () => {
  it("resolves a known OU path without AWS calls while warm, and sees a new OU at once", async () => {
    const { ctx } = unitContext();
    setDirectoryTtl(ctx.clients, 60_000);
    const children: Record<string, { Id: string; Name: string }[]> = {
      "r-1": [{ Id: "ou-ab12-sandbox1", Name: "Sandbox" }],
    };
    org.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-1" }] });
    org
      .on(ListOrganizationalUnitsForParentCommand)
      .callsFake(({ ParentId }) => ({ OrganizationalUnits: children[ParentId] ?? [] }));

    expect(await resolveOu(ctx, "Sandbox")).toEqual({ id: "ou-ab12-sandbox1", path: "Sandbox" });
    const warm = org.calls().length;
    expect(await resolveOu(ctx, "Sandbox")).toEqual({ id: "ou-ab12-sandbox1", path: "Sandbox" });
    expect(org.calls().length).toBe(warm);

    children["r-1"]?.push({ Id: "ou-ab12-labs0001", Name: "Labs" });
    expect(await resolveOu(ctx, "Labs")).toEqual({ id: "ou-ab12-labs0001", path: "Labs" });
    expect(await resolveOu(ctx, "Nowhere")).toBeUndefined();
  });
});
