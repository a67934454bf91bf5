import type * as z from "zod";
import { StoredRecordError } from "../errors";

/** Parses a stored item with its schema; a malformed one is a StoredRecordError naming its fields. */
export function parseStored<T>(schema: z.ZodType<T>, item: unknown, what: string): T {
  const parsed = schema.safeParse(item);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "(item)").join(", ");
    throw new StoredRecordError(`A stored ${what} is malformed (${fields})`, { cause: parsed.error });
  }
  return parsed.data;
}
