import "sst/node/config";

// The secrets stacks/Notifications.ts and stacks/Api.ts bind; `sst dev`/`sst build` would generate this into .sst/types.
declare module "sst/node/config" {
  export interface SecretResources {
    SLACK_WEBHOOK_URL: { value: string };
    SLACK_SIGNING_SECRET: { value: string };
    SLACK_BOT_TOKEN: { value: string };
  }
}
