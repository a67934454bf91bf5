import "sst/node/config";

// The secrets stacks/Notifications.ts binds; `sst dev`/`sst build` would generate this into .sst/types.
declare module "sst/node/config" {
  export interface SecretResources {
    SLACK_WEBHOOK_URL: { value: string };
  }
}
