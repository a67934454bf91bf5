/**
 * One simulated clean-up in a process of its own (`bench/cleanup-scale.ts` runs it): the interpreter
 * keeps every execution's events until the process ends, so each night at 5,000 accounts gets a fresh heap.
 * Usage: node --import tsx bench/simulate-one.ts <accounts> <dry|real>; prints the result as JSON.
 */
import { simulateCleanup, standardOrg } from "./simulation";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const accounts = Number(process.argv[2]);
const mode = process.argv[3];
if (!Number.isInteger(accounts) || accounts < 1 || (mode !== "dry" && mode !== "real"))
  throw new Error("usage: simulate-one.ts <accounts> <dry|real>");
const result = await simulateCleanup(standardOrg(accounts), { dryRun: mode === "dry" });
process.stdout.write(`${JSON.stringify(result)}\n`);
