import type { TestProject } from "vitest/node";
import { startEmulator } from "../../packages/local/src/emulator";
import { seedReferenceOrg } from "../../packages/local/src/seed";
import { TEST_REGION, TEST_TABLE, useEmulator } from "./aws-env";

declare module "vitest" {
  export interface ProvidedContext {
    awsEndpoint: string;
    budgetTopicArn: string;
  }
}

/** Starts one moto for the whole run (installing it if needed), seeds the reference org, stops it after. */
export default async function setup(project: TestProject) {
  const emulator = await startEmulator();
  useEmulator(emulator.url);
  const seeded = await seedReferenceOrg({ region: TEST_REGION, tableName: TEST_TABLE });
  project.provide("awsEndpoint", emulator.url);
  project.provide("budgetTopicArn", seeded.budgetTopicArn);
  return async () => {
    await emulator.stop();
  };
}
