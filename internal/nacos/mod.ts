// The Nacos client shared by the config source and the registry adapter.
export { encodeParams, NacosClient, type NacosClientOptions, type Params } from "./client.ts";
export { type ConfigKey, getConfig, listenConfig } from "./configs.ts";
export { md5Hex } from "./md5.ts";
export {
  deregisterInstance,
  type InstanceBody,
  type InstanceKey,
  listInstances,
  listServices,
  registerInstance,
  sendBeat,
} from "./naming.ts";
