import type { App } from "sst/constructs";
import { SERVICE_NAME } from "../packages/functions/src/metrics";
import { Api } from "./Api";
import { pureSdkSchemas } from "./bundling";
import { Cleanup } from "./Cleanup";
import { Closure } from "./Closure";
import { stackConfig } from "./config";
import { Notifications } from "./Notifications";
import { Observability } from "./Observability";
import { Storage } from "./Storage";
import { Vending } from "./Vending";

/** Every stack of the app, with the function defaults they share; sst.config.ts and the infra tests both call this. */
export function quartermaster(app: App): void {
  app.setDefaultFunctionProps({
    runtime: "nodejs22.x",
    architecture: "arm_64",
    timeout: 60,
    memorySize: 512,
    // No X-Ray: the functions do not trace, and least privilege means no unused xray:* grants.
    tracing: "disabled",
    nodejs: {
      minify: true,
      // The configuration is bundled into each function at synth (read by packages/functions/src/runtime.ts),
      // not copied into every environment, which Lambda limits to 4 KB.
      esbuild: {
        define: { __QM_CONFIG__: JSON.stringify(JSON.stringify(stackConfig())) },
        // Each SDK client's bundle keeps only the operations the function calls (see stacks/bundling.ts).
        plugins: [pureSdkSchemas],
      },
    },
    environment: {
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  });
  app
    .stack(Storage)
    .stack(Vending)
    .stack(Cleanup)
    .stack(Closure)
    .stack(Api)
    .stack(Notifications)
    .stack(Observability);
}
