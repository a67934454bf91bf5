import { describe, expect, it } from "vitest";
import { MalformedRequestError } from "./errors";
import { MAX_JSON_DEPTH, parseStrictJson } from "./json";

describe("parseStrictJson", () => {
  it("parses ordinary JSON, strings with escaped quotes and braces included", () => {
    const raw = '{"a":"x\\"}{,","b":[{"a":1},{"a":2}],"c":{"a":{"b":null}}}';

    expect(parseStrictJson(raw)).toEqual(JSON.parse(raw));
  });

  it.each([['{"dryRun":true,"dryRun":false}'], ['{"a":{"b":1,"b":2}}'], ['[{"x":1,"\\u0078":2}]']])(
    "refuses an object with a key twice: %s",
    (raw) => {
      expect(() => parseStrictJson(raw)).toThrow(MalformedRequestError);
    },
  );

  it("accepts the same key in sibling objects", () => {
    expect(parseStrictJson('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it("refuses nesting deeper than the limit without overflowing the stack", () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const limit = `${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`;

    expect(() => parseStrictJson(deep)).toThrow(/nested deeper/);
    expect(parseStrictJson(limit)).toBeInstanceOf(Array);
  });

  it("reports invalid JSON as malformed", () => {
    expect(() => parseStrictJson("{nope")).toThrow(MalformedRequestError);
  });
});
