import { existsSync, readFileSync } from "node:fs";
import type * as z from "zod";
import { type Config, parseConfigJson } from "../packages/core/src/config/config";
import type { FunctionEnvSchema } from "../packages/functions/src/env";

/**
 * The deployment's configuration: `QM_CONFIG` (JSON) or `quartermaster.config.json` at the
 * repository root. An invalid field fails the synth with the field's name.
 */
export function stackConfig(): Config {
  if (process.env.QM_CONFIG !== undefined) return parseConfigJson(process.env.QM_CONFIG);
  const file = "quartermaster.config.json";
  return parseConfigJson(existsSync(file) ? readFileSync(file, "utf8") : undefined);
}

/**
 * A function's environment, typed by the same schema its handler parses at cold start: a stack
 * that leaves out a variable the function requires fails the type check, not a request.
 */
export function functionEnv<S extends FunctionEnvSchema>(
  _schema: S,
  env: z.input<S>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}
