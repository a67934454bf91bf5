import { MalformedRequestError } from "../../errors";

/** A page token: the query's LastEvaluatedKey, base64url JSON. */
export function encodeToken(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString("base64url") : undefined;
}

/** A page token is at most this long; a real one (four short keys) is far shorter. */
const MAX_TOKEN_CHARS = 1024;

function invalidToken(cause?: unknown): MalformedRequestError {
  return new MalformedRequestError("Invalid pagination token: next is not a token from a previous page", {
    cause,
  });
}

/**
 * Decodes a page token into the ExclusiveStartKey of the query it continues. Only the key
 * attributes of that index, with the partition that query reads, pass: anything else is forged
 * (DynamoDB would answer a ValidationException, a 500) and is a 400 here.
 */
export function decodeToken(
  token: string | undefined,
  gsi: "gsi1" | "gsi2",
  partition: string,
  item: { pkPrefix: string; sk: string } = { pkPrefix: "REQ#", sk: "REQ" },
) {
  if (token === undefined) return undefined;
  if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalidToken();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (error) {
    throw invalidToken(error);
  }
  const expected = ["pk", "sk", `${gsi}pk`, `${gsi}sk`].sort();
  if (!key || typeof key !== "object" || Array.isArray(key)) throw invalidToken();
  const entries = Object.entries(key);
  const valid =
    entries.length === expected.length &&
    entries.every(
      ([k, v]) => expected.includes(k) && typeof v === "string" && v.length > 0 && v.length <= 256,
    ) &&
    (key as Record<string, string>)[`${gsi}pk`] === partition &&
    ((key as Record<string, string>).pk ?? "").startsWith(item.pkPrefix) &&
    (key as Record<string, string>).sk === item.sk;
  if (!valid) throw invalidToken();
  return key as Record<string, string>;
}
