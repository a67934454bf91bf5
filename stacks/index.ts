import type { App } from "sst/constructs";
import { Api } from "./Api";
import { Cleanup } from "./Cleanup";
import { Closure } from "./Closure";
import { Notifications } from "./Notifications";
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
    environment: {
      POWERTOOLS_SERVICE_NAME: "quartermaster",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  });
  app.stack(Storage).stack(Vending).stack(Cleanup).stack(Closure).stack(Api).stack(Notifications);
}
