import type { Logger } from "@aws-lambda-powertools/logger";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { AwsClients } from "../aws/clients";
import { EventTooLargeError, TransientAwsError } from "../errors";

/** Source of every Quartermaster domain event. */
export const EVENT_SOURCE = "quartermaster";

/** EventBridge's limit on one entry, which is also Lambda's on an asynchronous invocation's payload. */
export const MAX_EVENT_BYTES = 256 * 1024;

/**
 * The event's detail as JSON, once it is known to fit in one EventBridge entry (its size counted as
 * EventBridge counts it: the time, source, detail type and detail, in UTF-8); EventTooLargeError
 * otherwise. Every publisher calls this, locally too, so an event AWS would refuse is refused here.
 */
export function eventDetailThatFits(source: string, detailType: string, detail: object): string {
  const json = JSON.stringify(detail);
  const bytes = 14 + Buffer.byteLength(source) + Buffer.byteLength(detailType) + Buffer.byteLength(json);
  if (bytes > MAX_EVENT_BYTES)
    throw new EventTooLargeError(
      `${detailType} is ${bytes} bytes, over EventBridge's ${MAX_EVENT_BYTES} bytes an entry`,
    );
  return json;
}

/** Publishes domain events (notifications hang off these, never off provisioning). */
export interface EventPublisher {
  publish(detailType: string, detail: object): Promise<void>;
}

/** Puts events on the project's EventBridge bus. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    /** The client is read on each publish: a function that never publishes never builds it. */
    private readonly options: { clients: Pick<AwsClients, "eventBridge">; busName: string },
  ) {}

  async publish(detailType: string, detail: object): Promise<void> {
    const out = await this.options.clients.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.options.busName,
            Source: EVENT_SOURCE,
            DetailType: detailType,
            Detail: eventDetailThatFits(EVENT_SOURCE, detailType, detail),
          },
        ],
      }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.find((e) => e.ErrorCode);
      throw new TransientAwsError(
        `events:PutEvents rejected ${detailType}: ${entry?.ErrorCode} ${entry?.ErrorMessage}`,
      );
    }
  }
}

/**
 * Publishes a domain event; a failure is logged as an error and never fails the caller,
 * since notifications must never fail provisioning or a clean-up.
 */
export async function publishSafely(
  ctx: { events: EventPublisher; logger: Logger },
  detailType: string,
  detail: object,
): Promise<void> {
  try {
    await ctx.events.publish(detailType, detail);
  } catch (error) {
    ctx.logger.error("Could not publish domain event", { detailType, error });
  }
}
