import type { CoreContext } from "@quartermaster/core/context";
import {
  type BusEvent,
  fromBusEvent,
  type Notification,
  type NotifierDeps,
  notify,
} from "@quartermaster/core/notify/notifier";
import type { SNSEvent } from "aws-lambda";
import { withBase } from "./middleware";
import type { ContextSource } from "./runtime";

/** The notifier consumes bus events (EventBridge rule targets) and budget alerts (SNS). */
export type NotifierEvent = BusEvent | SNSEvent;

function isSns(event: NotifierEvent): event is SNSEvent {
  return Array.isArray((event as SNSEvent).Records);
}

/** Turns a Lambda event into the notifications it carries. */
export function notificationsOf(event: NotifierEvent): Notification[] {
  if (isSns(event)) {
    return event.Records.map((r) => ({
      kind: "budget-alert" as const,
      id: r.Sns.MessageId,
      message: r.Sns.Message,
    }));
  }
  const notification = fromBusEvent(event);
  return notification ? [notification] : [];
}

export async function runNotifier(ctx: CoreContext, deps: NotifierDeps, event: NotifierEvent) {
  let notifications: Notification[];
  try {
    notifications = notificationsOf(event);
  } catch (error) {
    // A malformed event stays malformed: retrying it would only post nothing again. Log it whole.
    ctx.logger.error("Malformed event not posted", { event, error });
    return ["malformed" as const];
  }
  const outcomes = [];
  for (const notification of notifications) outcomes.push(await notify(ctx, deps, notification));
  return outcomes;
}

/** The notifier handler with its delivery dependencies (secret, metric) passed in. */
export function makeNotifierHandler(source: ContextSource, deps: NotifierDeps) {
  return withBase<NotifierEvent, unknown>(source, async (event, ctx) => runNotifier(ctx, deps, event));
}
