// The etcd client shared by the config source and the registry adapter.
export {
  EtcdClient,
  type EtcdClientDefaults,
  type EtcdClientOptions,
  type EtcdKeyValue,
  type KeyRange,
  prefixEnd,
} from "./client.ts";
export type { WatchEvent, WatchMessage } from "./message.ts";
export { RangeWatch, type WatchStep } from "./watch.ts";
