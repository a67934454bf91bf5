import { MalformedRequestError } from "./errors";

/** Deeper bodies are refused before anything walks them (no request of the contract nests past 8). */
export const MAX_JSON_DEPTH = 64;

/**
 * Parses a JSON document as the API accepts it: valid JSON, no object with the same key twice
 * (JSON.parse would silently keep the last one, so `{"dryRun":true,"dryRun":false}` would delete),
 * nested at most MAX_JSON_DEPTH levels. Anything else is a MalformedRequestError (400).
 */
export function parseStrictJson(raw: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new MalformedRequestError(`The body is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  scanStructure(raw);
  return value;
}

type Frame = { kind: "object"; keys: Set<string>; expectKey: boolean } | { kind: "array" };

/** One pass over text JSON.parse accepted: tracks nesting and each object's keys, without recursion. */
function scanStructure(raw: string): void {
  const stack: Frame[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') {
      let end = i + 1;
      while (raw[end] !== '"') end += raw[end] === "\\" ? 2 : 1;
      const top = stack.at(-1);
      if (top?.kind === "object" && top.expectKey) {
        const key = JSON.parse(raw.slice(i, end + 1)) as string;
        if (top.keys.has(key)) {
          throw new MalformedRequestError(`The body has the key "${key.slice(0, 64)}" twice in one object`);
        }
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (c === "{" || c === "[") {
      if (stack.length >= MAX_JSON_DEPTH) {
        throw new MalformedRequestError(`The body is nested deeper than ${MAX_JSON_DEPTH} levels`);
      }
      stack.push(c === "{" ? { kind: "object", keys: new Set(), expectKey: true } : { kind: "array" });
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      const top = stack.at(-1);
      if (top?.kind === "object") top.expectKey = true;
    }
  }
}
