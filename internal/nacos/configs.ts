// The config half of the Nacos v1 open API: read one config, and long-poll the listener with
// the MD5 of the content held until the server says it changed.
import type { NacosClient } from "./client.ts";
import { md5Hex } from "./md5.ts";

/** One config: a data id in a group (in the client's namespace, the API's `tenant`). */
export interface ConfigKey {
  /** Data id, e.g. `helloworld.yaml`. */
  readonly dataId: string;
  /** Group, e.g. `DEFAULT_GROUP`. */
  readonly group: string;
}

const tenantOf = (client: NacosClient) => client.namespace || undefined;

/** The content of a config, or `undefined` when it does not exist. */
export async function getConfig(
  client: NacosClient,
  key: ConfigKey,
  what: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const result = await client.request(`nacos: get ${what}`, "/v1/cs/configs", {
    dataId: key.dataId,
    group: key.group,
    tenant: tenantOf(client),
  }, { signal, accept: [404] });
  return result.status === 404 ? undefined : result.text;
}

/**
 * Long-polls the listener with the MD5 of `content` (the server holds the request up to
 * `longPollMs`); true when the server says the config changed.
 */
export async function listenConfig(
  client: NacosClient,
  key: ConfigKey,
  content: string | undefined,
  longPollMs: number,
  what: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const tenant = client.namespace;
  const md5 = content === undefined ? "" : md5Hex(content);
  const entry = [key.dataId, key.group, md5, ...(tenant ? [tenant] : [])].join("\x02") + "\x01";
  const result = await client.request(`nacos: listen ${what}`, "/v1/cs/configs/listener", {}, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "long-pulling-timeout": String(longPollMs),
    },
    body: new URLSearchParams({ "Listening-Configs": entry }),
    timeoutMs: longPollMs + client.http.timeoutMs,
    signal,
  });
  return decodeURIComponent(result.text.trim()).split("\x01").some((item) => {
    const [d, g, t = ""] = item.split("\x02");
    return d === key.dataId && g === key.group && t === tenant;
  });
}
