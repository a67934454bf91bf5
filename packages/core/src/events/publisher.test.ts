import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { unitContext } from "@test/support/unit-context";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { EventTooLargeError } from "../errors";
import { EventBridgePublisher, MAX_EVENT_BYTES } from "./publisher";

const eventBridge = mockClient(EventBridgeClient);

beforeEach(() => {
  eventBridge.reset();
});

describe("EventBridgePublisher", () => {
  it("refuses an event over EventBridge's 256 KB before sending it, naming its type and size", async () => {
    const { ctx } = unitContext();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e" }] });
    const publisher = new EventBridgePublisher({ clients: ctx.clients, busName: "bus" });

    const sent = publisher.publish("Small", { text: "x".repeat(MAX_EVENT_BYTES - 100) });
    const refused = publisher.publish("Too Big", { text: "x".repeat(MAX_EVENT_BYTES) });

    await expect(sent).resolves.toBeUndefined();
    await expect(refused).rejects.toBeInstanceOf(EventTooLargeError);
    await expect(refused).rejects.toThrow(/Too Big is \d+ bytes/);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});
