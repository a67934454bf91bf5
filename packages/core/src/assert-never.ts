/** The end of an exhaustive `switch` over a discriminated union: a case left out fails the type check. */
export function assertNever(value: never, what = "case"): never {
  throw new Error(`Unhandled ${what} ${JSON.stringify(value)}`);
}
