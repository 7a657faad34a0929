// A stateful fake of the Nacos v1 config Open API, for contract tests of the nacos source (no
// Nacos can run here). It follows the documented behaviour the source relies on:
// - GET /nacos/v1/cs/configs?dataId&group[&tenant] → the raw content, 404 when absent.
// - POST /nacos/v1/cs/configs (form dataId, group, content[, tenant]) → `true`; DELETE likewise.
// - POST /nacos/v1/cs/configs/listener, header Long-Pulling-Timeout, form field
//   Listening-Configs = dataId^2group^2md5[^2tenant]^1…: answers at once with the changed
//   entries (URL-encoded dataId^2group[^2tenant]^1) when an MD5 differs, else holds the request
//   until one of them changes or the timeout passes, then answers "".
// - Auth: POST /nacos/v1/auth/login (form username, password) → {accessToken, tokenTtl,
//   globalAdmin}; with auth on, requests without a valid accessToken get 403.
import { createHash } from "node:crypto";

/** A request the fake received. */
export interface NacosRequest {
  /** Method. */
  readonly method: string;
  /** URL with query. */
  readonly url: URL;
  /** Headers. */
  readonly headers: Headers;
  /** Body text. */
  readonly body: string;
}

/** Controls of the fake. */
export interface FakeNacos {
  /** Base URL without the context path, e.g. `http://127.0.0.1:12345`. */
  readonly endpoint: string;
  /** Every request so far. */
  readonly requests: NacosRequest[];
  /** Publishes a config (as the console or the publish API would). */
  publish(dataId: string, group: string, content: string, tenant?: string): void;
  /** Deletes a config. */
  remove(dataId: string, group: string, tenant?: string): void;
  /** Makes every issued access token invalid (as after their TTL). */
  expireTokens(): void;
  /** Stops the server. */
  close(): Promise<void>;
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

/** Starts the fake on 127.0.0.1 with a free port; with `users`, auth is on. */
export function startFakeNacos(options: { users?: Record<string, string> } = {}): FakeNacos {
  const configs = new Map<string, string>();
  const tokens = new Set<string>();
  const requests: NacosRequest[] = [];
  const listeners = new Set<() => void>();
  const pending = new Set<() => void>();
  const id = (dataId: string, group: string, tenant = "") => `${tenant}\x02${group}\x02${dataId}`;
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  const publish = (dataId: string, group: string, content: string, tenant = "") => {
    configs.set(id(dataId, group, tenant), content);
    notify();
  };
  const remove = (dataId: string, group: string, tenant = "") => {
    configs.delete(id(dataId, group, tenant));
    notify();
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = await req.text();
    requests.push({ method: req.method, url, headers: req.headers, body });
    const form = new URLSearchParams(body);
    const param = (k: string) => url.searchParams.get(k) ?? form.get(k) ?? undefined;
    if (url.pathname === "/nacos/v1/auth/login" && req.method === "POST") {
      const user = param("username");
      if (!options.users || !user || options.users[user] !== param("password")) {
        return new Response("unknown user!", { status: 403 });
      }
      const token = crypto.randomUUID();
      tokens.add(token);
      return Response.json({ accessToken: token, tokenTtl: 18000, globalAdmin: false });
    }
    if (options.users && !tokens.has(param("accessToken") ?? "")) {
      return Response.json({ status: 403, message: "token invalid!" }, { status: 403 });
    }
    if (url.pathname === "/nacos/v1/cs/configs") {
      const dataId = param("dataId"), group = param("group");
      if (!dataId || !group) return new Response("dataId and group are required", { status: 400 });
      const key = id(dataId, group, param("tenant"));
      if (req.method === "GET") {
        const content = configs.get(key);
        return content === undefined
          ? new Response("config data not exist", { status: 404 })
          : new Response(content, { headers: { "content-md5": md5(content) } });
      }
      if (req.method === "POST") publish(dataId, group, param("content") ?? "", param("tenant"));
      if (req.method === "DELETE") remove(dataId, group, param("tenant"));
      return new Response("true");
    }
    if (url.pathname === "/nacos/v1/cs/configs/listener" && req.method === "POST") {
      const entries = (form.get("Listening-Configs") ?? "").split("\x01").filter((e) => e !== "")
        .map((e) => {
          const [dataId, group, sum, tenant = ""] = e.split("\x02");
          return { dataId, group, sum, tenant };
        });
      if (
        entries.length === 0 || entries.some((e) => !e.dataId || !e.group || e.sum === undefined)
      ) {
        return new Response("invalid probeModify", { status: 400 });
      }
      const changed = () =>
        entries.filter((e) => {
          const content = configs.get(id(e.dataId, e.group, e.tenant));
          return (content === undefined ? "" : md5(content)) !== e.sum;
        }).map((e) => [e.dataId, e.group, ...(e.tenant ? [e.tenant] : [])].join("\x02") + "\x01")
          .join("");
      let answer = changed();
      if (answer === "") {
        const timeout = Number(req.headers.get("long-pulling-timeout") ?? "30000");
        answer = await new Promise<string>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            listeners.delete(check);
            pending.delete(done);
            resolve(changed());
          };
          const check = () => {
            if (changed() !== "") done();
          };
          const timer = setTimeout(done, timeout);
          listeners.add(check);
          pending.add(done);
        });
      }
      return new Response(encodeURIComponent(answer));
    }
    return new Response("not found", { status: 404 });
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    requests,
    publish,
    remove,
    expireTokens: () => tokens.clear(),
    async close() {
      for (const done of [...pending]) done();
      await server.shutdown();
    },
  };
}
