export const TEST_REGION = "us-east-1";
export const TEST_TABLE = "quartermaster-test";

/** Points the AWS SDK of this process at the emulator with dummy credentials. */
export function useEmulator(url: string): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}
