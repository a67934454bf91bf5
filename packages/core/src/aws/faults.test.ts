import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors";
import { FaultInjector, parseFaults } from "./faults";

describe("parseFaults", () => {
  it("parses a comma list of Service.Operation=ErrorName[:count]", () => {
    const faults = parseFaults(
      "Organizations.MoveAccount=AccessDeniedException:1, SSOAdmin.CreateAccountAssignment=ThrottlingException",
    );

    expect(faults).toEqual([
      { operation: "Organizations.MoveAccount", errorName: "AccessDeniedException", remaining: 1 },
      {
        operation: "SSOAdmin.CreateAccountAssignment",
        errorName: "ThrottlingException",
        remaining: Number.POSITIVE_INFINITY,
      },
    ]);
  });

  it("rejects an entry that is not of the documented form, naming it", () => {
    expect(() => parseFaults("MoveAccount=Boom")).toThrow(ConfigError);
    expect(() => parseFaults("MoveAccount=Boom")).toThrow(/MoveAccount=Boom/);
  });
});

describe("FaultInjector", () => {
  it("throws the named error until its count is spent, with a throttling status for throttles", () => {
    const injector = new FaultInjector(parseFaults("SSOAdmin.CreateAccountAssignment=ThrottlingException:2"));

    const first = injector.take("SSOAdmin.CreateAccountAssignment") as Error & {
      $metadata: { httpStatusCode: number };
    };
    const second = injector.take("SSOAdmin.CreateAccountAssignment");
    const third = injector.take("SSOAdmin.CreateAccountAssignment");

    expect(first.name).toBe("ThrottlingException");
    expect(first.$metadata.httpStatusCode).toBe(429);
    expect(second).toBeInstanceOf(Error);
    expect(third).toBeUndefined();
    expect(injector.take("Organizations.MoveAccount")).toBeUndefined();
  });

  it("matches service and operation names case-insensitively", () => {
    const injector = new FaultInjector(parseFaults("IdentityStore.ListGroups=AccessDeniedException:1"));

    expect(injector.take("Identitystore.ListGroups")?.name).toBe("AccessDeniedException");
  });
});
