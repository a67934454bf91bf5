import { AccessDeniedException, ThrottlingException } from "@aws-sdk/client-sso-admin";
import { instantRetry } from "@test/support/unit-context";
import { describe, expect, it } from "vitest";
import { TerminalAwsError, TransientAwsError } from "../errors";
import { classifyAwsError } from "./classify";
import { fullJitterDelay, withRetry } from "./retry";

const throttled = () =>
  new ThrottlingException({ message: "Rate exceeded", $metadata: { httpStatusCode: 400 } });

describe("classifyAwsError", () => {
  it.each([
    ["ThrottlingException", "transient"],
    ["TooManyRequestsException", "transient"],
    ["ConcurrentModificationException", "transient"],
    ["ConflictException", "transient"],
    ["AccessDeniedException", "terminal"],
    ["ValidationException", "terminal"],
    ["ConstraintViolationException", "terminal"],
  ])("classifies %s as %s", (name, expected) => {
    const error = Object.assign(new Error("x"), { name, $metadata: { httpStatusCode: 400 } });
    expect(classifyAwsError(error)).toBe(expected);
  });

  it("treats 5xx responses as transient", () => {
    expect(
      classifyAwsError(Object.assign(new Error("x"), { name: "Weird", $metadata: { httpStatusCode: 503 } })),
    ).toBe("transient");
  });
});

describe("withRetry", () => {
  it("retries transient errors and returns the eventual result", async () => {
    const policy = instantRetry();
    let calls = 0;

    const result = await withRetry(
      "op",
      async () => {
        calls++;
        if (calls < 3) throw throttled();
        return "ok";
      },
      policy,
    );

    expect(result).toBe("ok");
    expect(calls).toBe(3);
    expect(policy.delays).toHaveLength(2);
  });

  it("does not retry a terminal error and keeps it as the cause", async () => {
    const policy = instantRetry();
    const denied = new AccessDeniedException({ message: "no", $metadata: {} });
    let calls = 0;

    const failure = withRetry(
      "sso:CreateAccountAssignment",
      async () => {
        calls++;
        throw denied;
      },
      policy,
    );

    await expect(failure).rejects.toBeInstanceOf(TerminalAwsError);
    await expect(failure).rejects.toMatchObject({ code: "ACCESS_DENIED", cause: denied });
    expect(calls).toBe(1);
  });

  it("gives up after maxAttempts with a TransientAwsError the workflow can retry", async () => {
    const policy = instantRetry(4);
    let calls = 0;

    const failure = withRetry(
      "op",
      async () => {
        calls++;
        throw throttled();
      },
      policy,
    );

    await expect(failure).rejects.toBeInstanceOf(TransientAwsError);
    expect(calls).toBe(4);
  });

  it("draws delays with full jitter below an exponentially growing, capped ceiling", () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 };

    const delays = [0, 1, 2, 3, 4, 5].map((n) => fullJitterDelay(policy, n));

    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
    expect(fullJitterDelay({ ...policy, random: () => 0 }, 3)).toBe(0);
  });
});
