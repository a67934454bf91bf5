import type { InitializeHandlerOptions, InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { type AnyClientPlugin, operationKey } from "../../packages/core/src/aws/middleware";
import { accountsWithEmail } from "../support/org";
import { call, unique, useApi } from "../support/plane";

/**
 * Keeps each creation IN_PROGRESS for its first two status checks, as AWS keeps it for minutes,
 * and tracks how many of this plane's creations are in flight at once (started, not yet ended).
 */
function creationTracker() {
  const seen = new Map<string, number>();
  const open = new Set<string>();
  const stats = { peak: 0 };
  type Io = { input: Record<string, unknown>; output: Record<string, unknown> };
  const middleware: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const op = operationKey(context.clientName, context.commandName);
    const result = await next(args);
    const output = (result as unknown as Io).output;
    const status = output.CreateAccountStatus as { Id?: string; State?: string } | undefined;
    if (op === "Organizations.CreateAccount" && status?.Id) {
      open.add(status.Id);
      stats.peak = Math.max(stats.peak, open.size);
    }
    if (op === "Organizations.DescribeCreateAccountStatus" && status?.Id) {
      const checks = (seen.get(status.Id) ?? 0) + 1;
      seen.set(status.Id, checks);
      if (checks <= 2) status.State = "IN_PROGRESS";
      else open.delete(status.Id);
    }
    return result;
  };
  const options = {
    step: "initialize",
    name: "testCreationTracker",
    priority: "low",
  } as InitializeHandlerOptions;
  const plugin: AnyClientPlugin = { applyToStack: (stack) => stack.add(middleware, options) };
  return { plugin, stats };
}

const tracker = creationTracker();
const api = useApi({ plugins: [tracker.plugin], tableName: unique("qm-load") });

describe("duplicates and load", () => {
  it("answers 20 identical concurrent POSTs with one request id and makes one account", async () => {
    const name = unique("twenty");
    const body = { name, email: `aws+${name}@example.com`, ou: "Sandbox" };

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call(api.url, "POST", "/accounts", body)),
    );
    await api.plane.runner.idle();

    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    expect(new Set(answers.map((a) => a.body.requestId)).size).toBe(1);
    expect((await call(api.url, "GET", answers[0]?.body.links.self)).body.status).toBe("SUCCEEDED");
    expect(await accountsWithEmail(body.email)).toHaveLength(1);
  });

  it("vends 100 distinct concurrent requests to SUCCEEDED, none lost, at most 5 creations in flight", async () => {
    const names = Array.from({ length: 100 }, (_, i) => unique(`load${i}`));

    const answers = await Promise.all(
      names.map((name) =>
        call(api.url, "POST", "/accounts", { name, email: `aws+${name}@example.com`, ou: "Sandbox" }),
      ),
    );
    await api.plane.runner.idle();
    const views = await Promise.all(answers.map((a) => call(api.url, "GET", a.body.links.self)));
    const counts = await Promise.all(names.map((n) => accountsWithEmail(`aws+${n}@example.com`)));

    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    expect(views.map((v) => v.body.status)).toEqual(Array(100).fill("SUCCEEDED"));
    expect(counts.map((c) => c.length)).toEqual(Array(100).fill(1));
    expect(tracker.stats.peak).toBeGreaterThan(1);
    expect(tracker.stats.peak).toBeLessThanOrEqual(5);
    process.stdout.write(
      `load: 100 distinct vends SUCCEEDED, peak CreateAccount in flight ${tracker.stats.peak}\n`,
    );
  }, 240_000);
});
