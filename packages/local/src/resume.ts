import type { CoreContext } from "@quartermaster/core/context";
import type { VendRequestRecord } from "@quartermaster/core/store/requests/record";
import { startExecution } from "@quartermaster/core/vending/submit";

type Ctx = Pick<
  CoreContext,
  "store" | "workflows" | "clock" | "logger" | "config" | "clients" | "retry" | "closures" | "metrics"
>;

/**
 * After a restart on kept state, the requests whose executions were running in the stopped
 * process (RUNNING, or PENDING before their start) are started again; every step converges, so
 * an account half-vended before the stop is adopted, not created twice. Returns how many.
 */
export async function resumeInterruptedRequests(ctx: Ctx): Promise<number> {
  const interrupted: VendRequestRecord[] = [];
  for (const status of ["RUNNING", "PENDING"] as const) {
    let next: string | undefined;
    do {
      const page = await ctx.store.list({ status, limit: 100, next });
      interrupted.push(...page.items);
      next = page.next;
    } while (next);
  }
  for (const record of interrupted) {
    ctx.logger.info("Resuming a request interrupted by the last stop", { requestId: record.requestId });
    await startExecution(ctx, record, "restart");
  }
  return interrupted.length + (await resumeClosures(ctx));
}

const UNFINISHED: readonly string[] = ["PENDING", "CLEANING", "CLOSING", "WAITING_QUOTA"];

/** Closures that were under way when local mode stopped run again; every closure task converges. */
async function resumeClosures(ctx: Pick<CoreContext, "closures" | "workflows" | "logger">): Promise<number> {
  let next: string | undefined;
  let resumed = 0;
  do {
    const page = await ctx.closures.list({ limit: 100, next });
    for (const closure of page.items.filter((c) => UNFINISHED.includes(c.status))) {
      ctx.logger.info("Resuming a closure interrupted by the last stop", { closureId: closure.closureId });
      await ctx.workflows.start("account-closure", closure.closureId, { closureId: closure.closureId });
      resumed++;
    }
    next = page.next;
  } while (next);
  return resumed;
}
