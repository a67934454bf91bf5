import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The SDK warns on Node 20 in every process; the machine runs Node 20 by design (Lambda runs nodejs22.x).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export default defineConfig({
  // Unit tests beside the code reach the shared test helpers by this alias (tsconfig.json has the same).
  resolve: { alias: { "@test/support": fileURLToPath(new URL("./test/support", import.meta.url)) } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/worker-env.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One emulator per run, shared by every file; files isolate themselves by unique names.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
