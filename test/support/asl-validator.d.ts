declare module "asl-validator" {
  /** asl-validator ships no types; this is the part the tests use. */
  export default function validator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errors: { message?: string; "Error code"?: string }[] };
}
