import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startEmulator } from "../../packages/local/src/emulator";
import { seedReferenceOrg } from "../../packages/local/src/seed";
import { TEST_REGION, TEST_TABLE, useEmulator } from "./aws-env";
import { IAM_ACCOUNT, IAM_REGION } from "./iam";

declare module "vitest" {
  export interface ProvidedContext {
    awsEndpoint: string;
    budgetTopicArn: string;
    /** The app's templates, synthesised once per run: the infra tests read them, and every AWS call is evaluated against them (IAM). */
    templatesDir: string;
    /** A value only this run's synth configuration holds (the infra tests find it in the bundles, never in an environment). */
    synthConfigMarker: string;
    /** When this run's synth started (its bundles are the ones written since). */
    synthStartedAt: number;
  }
}

/**
 * Synthesises the app once for the run, as `npm run synth` does, into a fresh folder: the IAM policies
 * every integration test's calls are evaluated against. A failing synth fails the run, naming why.
 */
async function synthTemplates(configMarker: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "qm-templates-"));
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/synth.ts", dir], {
    env: {
      ...process.env,
      QM_SYNTH_STAGE: "test",
      CDK_DEFAULT_ACCOUNT: IAM_ACCOUNT,
      AWS_REGION: IAM_REGION,
      QM_CONFIG: JSON.stringify({ budgetDefaults: { emails: [configMarker] } }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0)
    throw new Error(`The app did not synthesise for the IAM checks (exit ${code}):\n${output.slice(-4000)}`);
  return dir;
}

/** Starts one moto for the whole run (installing it if needed), seeds the reference org, stops it after. */
export default async function setup(project: TestProject) {
  const configMarker = `bundled-${Date.now().toString(36)}@example.com`;
  const synthStartedAt = Date.now();
  const templates = synthTemplates(configMarker);
  const emulator = await startEmulator();
  useEmulator(emulator.url);
  const seeded = await seedReferenceOrg({ region: TEST_REGION, tableName: TEST_TABLE });
  project.provide("awsEndpoint", emulator.url);
  project.provide("budgetTopicArn", seeded.budgetTopicArn);
  project.provide("templatesDir", await templates);
  project.provide("synthConfigMarker", configMarker);
  project.provide("synthStartedAt", synthStartedAt);
  return async () => {
    await emulator.stop();
  };
}
