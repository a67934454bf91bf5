import { ListParentsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REGION } from "../support/aws-env";
import { accountsWithEmail, ouIdByPath } from "../support/org";
import { call, serveApi, testPlane, unique } from "../support/plane";

const org = new OrganizationsClient({ region: TEST_REGION });

describe("QM_FAULTS and retry", () => {
  const plane = testPlane({
    faults:
      "Organizations.MoveAccount=AccessDeniedException:1,SSOAdmin.CreateAccountAssignment=ThrottlingException:3",
  });
  let api: Awaited<ReturnType<typeof serveApi>>;
  beforeAll(async () => {
    api = await serveApi(plane);
  });
  afterAll(async () => {
    await api.close();
  });

  it("fails at the step with a terminal fault, then a retry ends SUCCEEDED with exactly one account", async () => {
    const name = unique("faulty");
    const email = `aws+${name}@example.com`;
    const body = {
      name,
      email,
      ou: "Workloads/Production",
      // The baseline's standing assignment on Workloads is this one: the vend makes one assignment.
      access: [{ group: "Admin", permissionSets: ["AdministratorAccess"] }],
    };

    const accepted = await call(api.url, "POST", "/accounts", body);
    await plane.runner.wait(accepted.body.executionArn);
    const failed = await call(api.url, "GET", accepted.body.links.self);

    expect(failed.body.status).toBe("FAILED");
    expect(failed.body.error).toMatchObject({ step: "place", code: "ACCESS_DENIED" });
    expect(failed.body.error.message).toMatch(/AccessDeniedException/);
    expect(failed.body.steps.find((s: { name: string }) => s.name === "place")).toMatchObject({
      status: "FAILED",
    });
    expect(
      (await call(api.url, "GET", "/accounts/requests?status=FAILED&limit=100")).body.items.map(
        (r: { requestId: string }) => r.requestId,
      ),
    ).toContain(accepted.body.requestId);

    const retried = await call(api.url, "POST", `/accounts/requests/${accepted.body.requestId}/retry`);
    const again = await call(api.url, "POST", `/accounts/requests/${accepted.body.requestId}/retry`);
    await plane.runner.idle();
    const done = await call(api.url, "GET", accepted.body.links.self);

    expect(retried.status).toBe(202);
    expect(again.status).toBe(409);
    expect(done.body.status).toBe("SUCCEEDED");
    expect(done.body.attempts.map((a: { kind: string }) => a.kind)).toEqual(["start", "restart"]);
    expect(done.body.error).toBeUndefined();
    const accounts = await accountsWithEmail(email);
    expect(accounts).toHaveLength(1);
    const prod = await ouIdByPath("Workloads/Production");
    const parents = await org.send(new ListParentsCommand({ ChildId: done.body.accountId }));
    expect(parents.Parents?.[0]?.Id).toBe(prod);
    // Three throttles were retried inside the step: four calls for one assignment.
    expect(plane.counter.get("SSOAdmin.CreateAccountAssignment")).toBe(4);
    expect((await call(api.url, "POST", `/accounts/requests/${accepted.body.requestId}/retry`)).status).toBe(
      409,
    );
  });

  it("records a request whose transient failures outlast every retry, through the execution failure event", async () => {
    const exhausted = testPlane({ faults: "Organizations.MoveAccount=ThrottlingException" });
    const server = await serveApi(exhausted);
    try {
      const name = unique("exhausted");

      const accepted = await call(server.url, "POST", "/accounts", {
        name,
        email: `aws+${name}@example.com`,
        ou: "Marketplace",
      });
      await exhausted.runner.wait(accepted.body.executionArn);
      await exhausted.events.drain();
      const record = await call(server.url, "GET", accepted.body.links.self);

      expect(record.body.status).toBe("FAILED");
      expect(record.body.error).toMatchObject({ step: "place", code: "AWS_TRANSIENT" });
      expect(record.body.error.message).toMatch(/ThrottlingException/);
      // 6 tries inside the step, times the state machine's first try and its 5 retries.
      expect(exhausted.counter.get("Organizations.MoveAccount")).toBe(36);
      const failed = exhausted.events.published.filter((e) => e["detail-type"] === "Account Vending Failed");
      expect(failed.map((e) => e.detail.requestId)).toEqual([accepted.body.requestId]);
    } finally {
      await server.close();
    }
  });
});
