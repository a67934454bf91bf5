import { inject } from "vitest";
import { useEmulator } from "./aws-env";

useEmulator(inject("awsEndpoint"));
