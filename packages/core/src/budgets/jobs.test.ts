import { DescribeOrganizationCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "../errors";
import { RECONCILE_REQUESTED, runReconcileJob, startReconcile } from "./jobs";

const org = mockClient(OrganizationsClient);

beforeEach(() => {
  org.reset();
});

describe("background budget reconcile", () => {
  it("records a RUNNING job and hands it to the background without calling AWS", async () => {
    const { ctx, events } = unitContext();

    const job = await startReconcile(ctx, {});

    expect(job.status).toBe("RUNNING");
    expect(await ctx.reconciles.get(job.reconcileId)).toMatchObject({ status: "RUNNING", created: [] });
    expect(events.events).toEqual([
      { detailType: RECONCILE_REQUESTED, detail: { reconcileId: job.reconcileId } },
    ]);
    expect(org.calls()).toHaveLength(0);
  });

  it("refuses a body with fields (422) and records nothing", async () => {
    const { ctx, events } = unitContext();

    await expect(startReconcile(ctx, { dryRun: true })).rejects.toBeInstanceOf(ValidationError);
    await expect(startReconcile(ctx, [])).rejects.toBeInstanceOf(ValidationError);
    expect(events.events).toEqual([]);
  });

  it("marks the job FAILED when it cannot be handed over, and fails the request", async () => {
    const { ctx } = unitContext();
    ctx.events = {
      publish: async () => {
        throw Object.assign(new Error("busy"), { name: "ThrottlingException" });
      },
    };

    await expect(startReconcile(ctx, {})).rejects.toThrow(/busy/);
    const [job] = [...(ctx.reconciles as unknown as { jobs: Map<string, { status: string }> }).jobs.values()];
    expect(job?.status).toBe("FAILED");
  });

  it("records AWS's refusal on the job, and rethrows so the delivery is retried", async () => {
    const { ctx } = unitContext();
    const job = await startReconcile(ctx, {});
    org
      .on(DescribeOrganizationCommand)
      .rejects(Object.assign(new Error("not allowed"), { name: "AccessDeniedException", $fault: "client" }));

    await expect(runReconcileJob(ctx, job.reconcileId)).rejects.toThrow(/not allowed/);
    expect(await ctx.reconciles.get(job.reconcileId)).toMatchObject({
      status: "FAILED",
      error: { code: "ACCESS_DENIED", message: expect.stringMatching(/not allowed/) },
      endedAt: expect.any(String),
    });
  });

  it("does not run a finished job again (a redelivered event)", async () => {
    const { ctx } = unitContext();
    const job = await startReconcile(ctx, {});
    await ctx.reconciles.finish(job.reconcileId, { status: "SUCCEEDED", created: [], unchanged: 3 }, "t");

    expect(await runReconcileJob(ctx, job.reconcileId)).toMatchObject({ status: "SUCCEEDED", unchanged: 3 });
    expect(org.calls()).toHaveLength(0);
  });
});
