import type { CoreContext } from "@quartermaster/core/context";
import type { VendRequestRecord } from "@quartermaster/core/store/requests/record";
import { startExecution } from "@quartermaster/core/vending/submit";

type Ctx = Pick<CoreContext, "store" | "workflows" | "clock" | "logger" | "config" | "clients" | "retry">;

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
  return interrupted.length;
}
