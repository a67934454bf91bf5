/**
 * One simulated drift check in a process of its own (`bench/drift-scale.ts` runs it).
 * Usage: node --import tsx bench/drift-one.ts <accounts>; prints the result as JSON.
 */
import { simulateDrift } from "./drift-scale";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const accounts = Number(process.argv[2]);
if (!Number.isInteger(accounts) || accounts < 1) throw new Error("usage: drift-one.ts <accounts>");
process.stdout.write(`${JSON.stringify(await simulateDrift(accounts))}\n`);
