// The Consul client shared by the config source and the registry adapter.
export {
  type ConsulAnswer,
  ConsulClient,
  type ConsulClientOptions,
  type ConsulKvEntry,
  nextIndex,
} from "./client.ts";
