import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { DynamoCreationWaits } from "../../packages/core/src/store/creation-waits";
import { TEST_REGION, TEST_TABLE } from "../support/aws-env";
import { call, unique, useApi } from "../support/plane";

const waits = new DynamoCreationWaits({
  client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: TEST_REGION })),
  tableName: TEST_TABLE,
});

function vendBody(name: string) {
  return { name, email: `aws+${name}@example.com`, ou: "Sandbox" };
}

describe("the creation waits on the project's table", () => {
  it("resume each wait exactly once, whichever of the token and the event is written first", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const id = unique(`car-${i}`);
        const [armedAfterEvent, takenToken] =
          i % 2 === 0
            ? await Promise.all([waits.arm(id, `token-${i}`, "req"), waits.post(id, "SUCCEEDED")])
            : await Promise.all([waits.post(id, "SUCCEEDED"), waits.arm(id, `token-${i}`, "req")]).then(
                ([posted, armed]) => [armed, posted] as const,
              );
        // The wait resumes itself (the event came first), or the event's handler resumes it: never both, never neither.
        return Number(armedAfterEvent) + Number(takenToken === `token-${i}`);
      }),
    );

    expect(outcomes).toEqual(Array(20).fill(1));
  });

  it("keep an event nobody waits for until a wait arms, and give it to that wait only", async () => {
    const id = unique("car");

    expect(await waits.post(id, "SUCCEEDED")).toBeUndefined();
    expect(await waits.arm(id, "t1", "req")).toBe(true);
    // Taken: the next wait (a later round) does not see it again.
    expect(await waits.arm(id, "t2", "req")).toBe(false);
    expect(await waits.post(id, "SUCCEEDED")).toBe("t2");
  });
});

describe("a vend whose account takes time to create (as in AWS)", () => {
  const api = useApi({ creationMs: 1500 });

  it("waits for CreateAccountResult, is resumed by it, and checks the status twice", async () => {
    const accepted = await call(api.url, "POST", "/accounts", vendBody(unique("slow")));
    expect(accepted.status).toBe(202);
    await api.plane.runner.wait(accepted.body.executionArn);
    const record = await call(api.url, "GET", accepted.body.links.self);

    expect(record.body.status).toBe("SUCCEEDED");
    expect(api.plane.events.published.filter((e) => e.source === "aws.organizations")).toHaveLength(1);
    // One check found it IN_PROGRESS, the one after the event found it SUCCEEDED.
    expect(api.plane.counter.get("Organizations.DescribeCreateAccountStatus")).toBe(2);
  });
});

describe("a vend whose CreateAccountResult is lost", () => {
  const api = useApi({ creationMs: 1500, creationEvents: false, creationFallbackSeconds: 2 });

  it("finishes on the fallback check", async () => {
    const accepted = await call(api.url, "POST", "/accounts", vendBody(unique("lost")));
    await api.plane.runner.wait(accepted.body.executionArn);
    const record = await call(api.url, "GET", accepted.body.links.self);

    expect(record.body.status).toBe("SUCCEEDED");
    expect(api.plane.counter.get("Organizations.DescribeCreateAccountStatus")).toBe(2);
  });
});
