import type { SSTConfig } from "sst";
import { stackConfig } from "./stacks/config";
import { quartermaster } from "./stacks/index";

export default {
  config() {
    return { name: "quartermaster", region: stackConfig().homeRegion };
  },
  stacks(app) {
    quartermaster(app);
  },
} satisfies SSTConfig;
