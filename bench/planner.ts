import { planDeletions, type StackInfo } from "../packages/core/src/cleanup/plan";

/**
 * The clean-up planner alone on one account-region of `count` stacks: chains of `chainLength` stacks, each
 * importing its predecessor's export, every tenth chain ending in a protected importer (which keeps the
 * whole chain), plus protected names and nested stacks. Measures the time and the heap it takes.
 */
export function benchPlanner(count = 10_000, chainLength = 20) {
  const stacks: StackInfo[] = [];
  for (let i = 0; i < count; i++) {
    const chain = Math.floor(i / chainLength);
    const link = i % chainLength;
    const last = link === chainLength - 1;
    stacks.push({
      name: i % 997 === 0 ? `StackSet-baseline-${i}` : `app-${chain}-${link}`,
      status: "CREATE_COMPLETE",
      parentId: i % 501 === 0 ? `arn:root-${chain}` : undefined,
      terminationProtection: last && chain % 10 === 0,
      tags: {},
      exports: last ? [] : [`export-${chain}-${link}`],
      imports: link === 0 ? [] : [`export-${chain}-${link - 1}`],
    });
  }
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const plan = planDeletions(stacks, { protectPatterns: ["keep-*"] });
  const ms = performance.now() - t0;
  const heapMb = Math.max(0, process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  return {
    stacks: count,
    chainLength,
    planMs: Math.round(ms),
    heapGrowthMb: Math.round(heapMb * 10) / 10,
    toDelete: plan.delete.length,
    skipped: plan.skipped.length,
    failed: plan.failed.length,
  };
}
