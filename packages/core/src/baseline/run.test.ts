import { unitContext } from "@test/support/unit-context";
import { describe, expect, it } from "vitest";
import { recordBaselineExecutionFailure, startApply, submitPlan } from "./run";

const ARN = "arn:aws:states:us-east-1:111111111111:stateMachine:prod-quartermaster-baseline";

describe("baseline plans and the execution monitor", () => {
  it("ends FAILED a plan whose execution failed before FinishPlan ran, once; other machines' executions are not its", async () => {
    const { ctx } = unitContext();
    const plan = await submitPlan(ctx, { baseline: { version: 1 } });
    const change = {
      executionArn: `${ARN.replace(":stateMachine:", ":execution:")}:${plan.planId}`,
      stateMachineArn: ARN,
      name: plan.planId,
      status: "TIMED_OUT",
      input: JSON.stringify({ action: "plan", planId: plan.planId }),
    };
    const vendArn = ARN.replace("-baseline", "-vend-account");
    expect(await recordBaselineExecutionFailure(ctx, { ...change, stateMachineArn: vendArn })).toBe(false);
    expect(await recordBaselineExecutionFailure(ctx, change)).toBe(true);
    expect(await ctx.baselines.get(plan.planId)).toMatchObject({
      status: "FAILED",
      error: { code: "States.TIMED_OUT", message: "ended TIMED_OUT" },
    });
    expect(await recordBaselineExecutionFailure(ctx, change)).toBe(false);
  });

  it("starts the plan's workflow named after it, and applies only a READY plan, once", async () => {
    const { ctx, workflows } = unitContext();
    const plan = await submitPlan(ctx, { baseline: { version: 1 }, prune: false });
    expect(workflows.started.at(-1)).toMatchObject({ workflow: "baseline", name: plan.planId });
    await expect(startApply(ctx, plan.planId, {})).rejects.toMatchObject({ code: "PLAN_NOT_READY" });
    await ctx.baselines.update(plan.planId, {
      status: "READY",
      total: 0,
      summary: { create: 0, update: 0, delete: 0, unchanged: 0, unmanaged: 0, refused: 0 },
    });
    await expect(startApply(ctx, plan.planId, { force: true })).rejects.toMatchObject({
      name: "ValidationError",
    });
    expect((await startApply(ctx, plan.planId, {})).status).toBe("APPLYING");
    expect(workflows.started.at(-1)).toMatchObject({ workflow: "baseline", name: `${plan.planId}-apply` });
    await expect(startApply(ctx, plan.planId, {})).rejects.toMatchObject({ code: "PLAN_NOT_READY" });
  });
});
