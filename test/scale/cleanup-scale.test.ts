import { describe, expect, it } from "vitest";
import { simulateCleanup, standardOrg } from "../../bench/simulation";

/**
 * The bench's simulation at 500 accounts (the bench runs 5,000): the real definition and handlers on a
 * simulated clock. This asserts Step Functions' limits and the report's completeness, never times.
 */
describe("the nightly clean-up of 500 sandbox accounts x 17 regions, simulated", () => {
  it.each([true, false])(
    "stays within every limit and reports every account (dry run: %s)",
    async (dryRun) => {
      const run = await simulateCleanup(standardOrg(500), { dryRun });

      expect(run.status).toBe("SUCCEEDED");
      // One child execution per account, each with its own small history; the parent's does not grow with accounts.
      expect(run.children).toBe(500);
      expect(run.largestChildHistory).toBeLessThan(1_000);
      expect(run.parentHistory).toBeLessThan(100);
      // The accounts travel in the items bucket, never in a state.
      expect(run.largestStateBytes).toBeLessThan(4 * 1024);
      expect(run.s3Puts).toBe(1);
      // Every account is in the report: 45 with 5 stacks, 5 slow ones (5 stacks too), 1 whose role cannot be assumed.
      expect(run.summary).toMatchObject({
        accounts: 500,
        finished: 500,
        deleted: 250,
        accountsFailed: 1,
        failed: 0,
      });
      // One task per account step, for all its 17 regions: an empty account is one invocation.
      expect(run.lambdaInvocations).toBeLessThan(500 * 3);
    },
    120_000,
  );
});
