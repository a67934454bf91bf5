import { SFNClient } from "@aws-sdk/client-sfn";
import type { ClientClasses } from "@quartermaster/core/aws/clients";
import {
  type CreationEventOutcome,
  resumeOnCreationEvent,
} from "@quartermaster/core/vending/creation-events";
import { NotificationsEnvSchema } from "./env";
import { withBase } from "./middleware";
import { type ContextSource, lambdaContext } from "./runtime";

/**
 * The AWS clients this function builds: those its IAM actions name (the infra test checks both ways),
 * so its bundle holds no other SDK client.
 */
export const CLIENTS: ClientClasses = { sfn: SFNClient };

/**
 * Organizations' `CreateAccountResult` events (the rule on the default bus): each resumes the vend
 * waiting for that creation, so the workflow moves on within a second of the account existing,
 * without polling. An event that is not one is logged and acknowledged: redelivery would not change it.
 */
export function makeCreationEventsHandler(source: ContextSource) {
  return withBase<unknown, { outcome: CreationEventOutcome }>(source, async (event, ctx) => ({
    outcome: await resumeOnCreationEvent(ctx, event),
  }));
}

export const handler = makeCreationEventsHandler(lambdaContext(NotificationsEnvSchema, CLIENTS));
