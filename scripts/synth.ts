/**
 * `npm run synth`: the CloudFormation template of every stack, synthesised offline exactly as the
 * infra tests do, written to `synth/<stack>.template.json`, so a platform team can review what
 * `sst deploy` will create before it touches their organisation. SST asks AWS who the caller is
 * while it synthesises; that question goes to the local emulator, never to AWS, so no credentials
 * are needed and nothing is deployed. The templates name the emulator's account, 123456789012,
 * where a real synth would name the deploying account.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { startEmulator, useEmulatorEnv } from "../packages/local/src/emulator";

// SST still loads the AWS SDK v2, whose end-of-support notice is not for the reader of a review: the
// notice reads this as SST loads, so SST and the stacks are imported only after it is set.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= "1";
const { App } = await import("sst/constructs");
const { initProject } = await import("sst/project.js");
const { quartermaster } = await import("../stacks/index");
const stage = process.env.QM_SYNTH_STAGE ?? "review";
/** Phases on a terminal (stderr), so a minute of bundling is not silence; nothing when piped. */
const phase = (text: string) => {
  if (process.stderr.isTTY) process.stderr.write(`${text}\n`);
};
phase("starting the local emulator (SST asks it who the caller is; AWS is never called)");
const emulator = await startEmulator();
const region = process.env.AWS_REGION ?? "us-east-1";
useEmulatorEnv(emulator.url, region);
Object.assign(process.env, {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  // As under the infra tests: SST then skips its bootstrap lookup (a deploy-time step that would
  // create a bootstrap stack). The deployed stacks also get SST's source-map upload permissions.
  NODE_ENV: "test",
});
const outDir = process.argv[2] ?? "synth";

try {
  await initProject({ stage });
  // The emulator's account (as the doc above says), unless CDK_DEFAULT_ACCOUNT names the deploying one.
  const account = process.env.CDK_DEFAULT_ACCOUNT || "123456789012";
  const app = new App({ mode: "deploy", stage, name: "quartermaster", region, account });
  quartermaster(app);
  phase("synthesising every stack and bundling every function (about a minute)");
  await app.finish();
  mkdirSync(outDir, { recursive: true });
  const stacks = app.node.children.filter((child): child is Stack => child instanceof Stack);
  for (const stack of stacks) {
    const template = Template.fromStack(stack).toJSON();
    const file = join(outDir, `${stack.stackName}.template.json`);
    writeFileSync(file, `${JSON.stringify(template, null, 2)}\n`);
    const resources = Object.keys(template.Resources ?? {}).length;
    process.stdout.write(`${file}  ${resources} resources\n`);
  }
} finally {
  await emulator.stop();
}
