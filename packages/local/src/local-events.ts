import { randomUUID } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import { EVENT_SOURCE, type EventPublisher, eventDetailThatFits } from "@quartermaster/core/events/publisher";

/** An EventBridge-shaped event as subscribers receive it. */
export interface LocalEvent {
  id: string;
  source: string;
  "detail-type": string;
  time: string;
  detail: Record<string, unknown>;
}

export type LocalSubscriber = (event: LocalEvent) => Promise<void>;

/**
 * The project's event bus in local mode: events reach subscribers (the notifier) in-process,
 * after the publishing step has returned, so a subscriber can never fail provisioning.
 */
export class LocalEventBus implements EventPublisher {
  readonly published: LocalEvent[] = [];
  private readonly subscribers: LocalSubscriber[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly logger?: Logger) {}

  subscribe(subscriber: LocalSubscriber): void {
    this.subscribers.push(subscriber);
  }

  async publish(detailType: string, detail: object): Promise<void> {
    await this.publishFrom(EVENT_SOURCE, detailType, detail);
  }

  /** Publishes an event from another source (local mode's stand-in for `aws.states` events). */
  async publishFrom(source: string, detailType: string, detail: object): Promise<void> {
    // EventBridge refuses an entry over 256 KB (and Lambda an asynchronous payload over it): so does this bus.
    eventDetailThatFits(source, detailType, detail);
    const event: LocalEvent = {
      id: randomUUID(),
      source,
      "detail-type": detailType,
      time: new Date().toISOString(),
      detail: detail as Record<string, unknown>,
    };
    this.published.push(event);
    for (const subscriber of this.subscribers) {
      const delivery = subscriber(event).catch((error: unknown) => {
        this.logger?.error("Event subscriber failed", { eventId: event.id, detailType, error });
      });
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
  }

  /** Resolves when every delivery started so far has finished. */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
