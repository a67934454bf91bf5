import * as z from "zod";
import type { CoreContext } from "../context";
import type { CreationProgress } from "./state";

/** Organizations' event when an account creation ends (through CloudTrail, on the default bus in us-east-1). */
export const CREATE_ACCOUNT_RESULT_PATTERN = {
  source: ["aws.organizations"],
  "detail-type": ["AWS Service Event via CloudTrail"],
  detail: { eventName: ["CreateAccountResult"] },
};

/** The part of a `CreateAccountResult` event Quartermaster reads. */
export const CreationEventSchema = z.object({
  source: z.literal("aws.organizations"),
  detail: z.object({
    eventName: z.literal("CreateAccountResult"),
    serviceEventDetails: z.object({
      createAccountStatus: z.object({
        id: z.string().min(1),
        state: z.string().min(1),
        accountId: z.string().optional(),
      }),
    }),
  }),
});

/** What the handler did with one event. */
export type CreationEventOutcome = "resumed" | "posted" | "in-progress" | "not-ours";

/**
 * Resumes the vend waiting for this creation, if one waits yet (see `CreationWaits`); otherwise the
 * event is left for the wait to take when it arms. The event only wakes the workflow: the status check
 * that follows decides (so a late, repeated or forged event can at most cost one check). A token
 * that no longer waits (its fallback fired meanwhile) gets the event posted again, for the next wait.
 */
export async function resumeOnCreationEvent(
  ctx: Pick<CoreContext, "creationWaits" | "workflows" | "logger" | "clock">,
  event: unknown,
): Promise<CreationEventOutcome> {
  const parsed = CreationEventSchema.safeParse(event);
  if (!parsed.success) {
    ctx.logger.warn("Not a CreateAccountResult event: ignored", { issues: parsed.error.issues.length });
    return "not-ours";
  }
  const status = parsed.data.detail.serviceEventDetails.createAccountStatus;
  ctx.logger.appendKeys({ createRequestId: status.id, accountId: status.accountId });
  if (status.state === "IN_PROGRESS") return "in-progress";
  const wake: CreationProgress = {
    done: false,
    attempt: 0,
    since: ctx.clock().toISOString(),
    waitSeconds: 0,
    woken: true,
  };
  for (let tries = 0; tries < 3; tries++) {
    const token = await ctx.creationWaits.post(status.id, status.state);
    if (!token) return "posted";
    if (await ctx.workflows.completeTask(token, wake)) {
      ctx.logger.info("Creation event resumed its vend", { state: status.state });
      return "resumed";
    }
  }
  return "posted";
}
