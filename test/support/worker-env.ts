import { afterAll, expect, inject } from "vitest";
import { useEmulator } from "./aws-env";
import { denials } from "./iam";

useEmulator(inject("awsEndpoint"));

// A call IAM refused fails its test where it was made; one the code caught and carried on from fails here.
afterAll(() => {
  expect(denials, "AWS calls the functions' IAM policies do not allow").toEqual([]);
});
