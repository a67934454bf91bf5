import { useEmulatorEnv } from "../../packages/local/src/emulator";

export const TEST_REGION = "us-east-1";
export const TEST_TABLE = "quartermaster-test";

/** Points the AWS SDK of this process at the emulator with dummy credentials, as local mode does. */
export function useEmulator(url: string): void {
  useEmulatorEnv(url, TEST_REGION);
}
