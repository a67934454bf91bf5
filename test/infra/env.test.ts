import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../packages/core/src/errors";
import { ApiEnvSchema, VendTaskEnvSchema } from "../../packages/functions/src/env";
import { lambdaContext } from "../../packages/functions/src/runtime";
import { functionEnv } from "../../stacks/config";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("function environments", () => {
  it("fail the type check when a stack leaves out a variable the function requires", () => {
    const base = { QM_CONFIG: "{}", QM_TABLE_NAME: "t", QM_EVENT_BUS_NAME: "b" };

    // @ts-expect-error the API function requires QM_VEND_STATE_MACHINE_ARN
    const api = functionEnv(ApiEnvSchema, {
      ...base,
      QM_CLEANUP_STATE_MACHINE_ARN: "c",
      QM_BUDGET_TOPIC_ARN: "t",
    });
    // @ts-expect-error the vend tasks require QM_BUDGET_TOPIC_ARN
    const vend = functionEnv(VendTaskEnvSchema, base);

    expect(api).not.toHaveProperty("QM_VEND_STATE_MACHINE_ARN");
    expect(vend).toEqual(base);
  });

  it("fail at cold start, naming the missing variable, when the environment lacks it", () => {
    process.env.QM_CONFIG = "{}";
    process.env.QM_TABLE_NAME = "t";
    process.env.QM_EVENT_BUS_NAME = "b";
    delete process.env.QM_VEND_STATE_MACHINE_ARN;

    const source = lambdaContext(ApiEnvSchema, {});

    expect(() => source()).toThrow(ConfigError);
    expect(() => source()).toThrow(/QM_VEND_STATE_MACHINE_ARN/);
  });

  it("refuse to run on defaults when no configuration was bundled and QM_CONFIG is unset", () => {
    delete process.env.QM_CONFIG;
    process.env.QM_TABLE_NAME = "t";
    process.env.QM_EVENT_BUS_NAME = "b";
    process.env.QM_VEND_STATE_MACHINE_ARN = "v";
    process.env.QM_CLEANUP_STATE_MACHINE_ARN = "c";
    process.env.QM_CLOSURE_STATE_MACHINE_ARN = "x";
    process.env.QM_RECONCILE_STATE_MACHINE_ARN = "r";
    process.env.QM_BASELINE_STATE_MACHINE_ARN = "bl";
    process.env.QM_DRIFT_STATE_MACHINE_ARN = "dr";
    process.env.QM_BUDGET_TOPIC_ARN = "t";

    expect(() => lambdaContext(ApiEnvSchema, {})()).toThrow(/No configuration/);
  });
});
