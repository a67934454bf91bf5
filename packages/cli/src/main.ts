import { runCli } from "./commands";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(text.startsWith("\r") ? text : `${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  isTty: Boolean(process.stderr.isTTY),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => new Date(),
});
