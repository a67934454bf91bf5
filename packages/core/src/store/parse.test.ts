import { describe, expect, it } from "vitest";
import { StoredRecordError } from "../errors";
import { CleanupRunHeadSchema } from "./cleanup-runs/record";
import { parseStored } from "./parse";
import { VendRequestRecordSchema } from "./requests/record";

describe("parseStored", () => {
  it("reads back a record with the shape it was written with, older looser input rules included", () => {
    const record = {
      requestId: "req-1",
      status: "SUCCEEDED",
      // A name from before the stricter name rule still reads back.
      request: { name: "team[1]", email: "a@example.com", ou: "Sandbox" },
      resolved: { ouId: "ou-1", ouPath: "Sandbox", instanceArn: "arn:ins", access: [] },
      payloadHash: "h",
      steps: { create: { name: "create", status: "SUCCEEDED", startedAt: "t" } },
      attempts: [{ kind: "start", executionArn: "arn:x", at: "t" }],
      createdAt: "t",
      updatedAt: "t",
    };

    expect(parseStored(VendRequestRecordSchema, record, "request record").request.name).toBe("team[1]");
  });

  it("refuses a malformed item with a StoredRecordError naming the fields", () => {
    const parse = () => parseStored(CleanupRunHeadSchema, { runId: "r", status: "DONE" }, "clean-up run");

    expect(parse).toThrow(StoredRecordError);
    expect(parse).toThrow(/clean-up run is malformed \(status, dryRun/);
  });
});
