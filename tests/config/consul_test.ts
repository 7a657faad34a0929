// The consul source against a real `consul agent -dev` (v1.14.4, tests/support/consul.ts) with
// ACLs on, behind a recording proxy that also injects HTTP failures: load, blocking-query watch,
// deletes, broken values, failures, ACL tokens, datacenters. Every case here is one a real agent
// produces, so no fake of the KV API is left.
import assert from "node:assert/strict";
import { ConfigError, consul, createConfig } from "../../config/mod.ts";
import { type ConsulAgent, recordingProxy, startConsul } from "../support/consul.ts";
import { Events, recordingLogger, waitUntil } from "./helpers.ts";

const TOKEN = "secret";

/** Writes (or, with `null`, deletes) a key as any other Consul client would. */
async function kv(agent: ConsulAgent, key: string, value: string | null, token = TOKEN) {
  const res = await fetch(`${agent.address}/v1/kv/${key}`, {
    method: value === null ? "DELETE" : "PUT",
    body: value ?? undefined,
    headers: { "x-consul-token": token },
  });
  assert.equal(res.status, 200, await res.text());
}

Deno.test("consul: recursive load, blocking watch, deletes, broken values, failures", async () => {
  const agent = await startConsul({ managementToken: TOKEN, datacenter: "eu1" });
  const proxy = recordingProxy(agent.address);
  await kv(agent, "app/cfg/", "");
  await kv(agent, "app/cfg/00-base.yaml", "server:\n  addr: ':8000'\nlog:\n  level: info\n");
  await kv(agent, "app/cfg/10-override.json", '{"server": {"addr": ":8080"}}');
  await kv(agent, "app/other.yaml", "log: {level: other}\n");
  const errors = new Events<ConfigError>();
  const config = createConfig({
    sources: [consul({
      endpoint: proxy.address,
      prefix: "/app/cfg/",
      token: TOKEN,
      datacenter: "eu1",
      waitMs: 5_000,
      minIntervalMs: 0,
    })],
    onError: errors.push,
    logger: recordingLogger(),
    retry: { initialMs: 10, maxMs: 50 },
  });
  const blockingQueries = () =>
    proxy.requests.filter((r) => new URL(r.url, "http://x").searchParams.has("index")).length;
  try {
    await config.load();
    assert.deepEqual(config.value("").raw(), { server: { addr: ":8080" }, log: { level: "info" } });
    assert.equal(config.explain("server.addr")?.location, "app/cfg/10-override.json");
    const first = proxy.requests[0];
    const url = new URL(first.url, "http://x");
    assert.equal(url.pathname, "/v1/kv/app/cfg/");
    assert.equal(url.searchParams.get("recurse"), "true");
    assert.equal(url.searchParams.get("dc"), "eu1");
    assert.equal(first.headers.get("x-consul-token"), TOKEN);

    const levels = new Events<string>();
    config.watch("log.level", (v) => levels.push(v.string()));
    const addrs = new Events<string>();
    config.watch("server.addr", (v) => addrs.push(v.string()));

    await waitUntil(() => blockingQueries() > 0, "a blocking query");
    const blocking = new URL(proxy.requests.at(-1)!.url, "http://x");
    assert.ok(Number(blocking.searchParams.get("index")) > 0);
    assert.equal(blocking.searchParams.get("wait"), "5000ms");
    await kv(agent, "app/cfg/00-base.yaml", "server:\n  addr: ':8000'\nlog:\n  level: debug\n");
    assert.equal(await levels.take("watched change"), "debug");

    await kv(agent, "app/cfg/10-override.json", null);
    assert.equal(await addrs.take("watched delete"), ":8000");

    await kv(agent, "app/cfg/00-base.yaml", "log: [broken\n");
    const broken = await errors.take("parse error");
    assert.equal(broken.code, "parse");
    assert.ok(broken.message.includes("app/cfg/00-base.yaml: invalid yaml"), broken.message);
    assert.equal(config.value("log.level").string(), "debug");

    // The blocking query in flight still reaches the agent; the two after it fail.
    proxy.failNext(2);
    await kv(agent, "app/cfg/00-base.yaml", "log:\n  level: warn\n");
    const failure = await errors.take("HTTP failure");
    assert.equal(failure.code, "source");
    assert.match(
      failure.message,
      /^consul: list app\/cfg\/: HTTP 500 rpc error: simulated failure/,
    );
    assert.equal(await levels.take("change after failures", 10_000), "warn");
  } finally {
    await config.close();
    await proxy.close();
    await agent.close();
  }
});

Deno.test("consul: blocking queries that return unchanged cause no change", async () => {
  const agent = await startConsul();
  const proxy = recordingProxy(agent.address);
  await kv(agent, "svc/config.yaml", "n: 1\n");
  const config = createConfig({
    sources: [
      consul({ endpoint: proxy.address, prefix: "svc/config.yaml", waitMs: 50, minIntervalMs: 10 }),
    ],
  });
  try {
    await config.load();
    assert.equal(config.value("n").number(), 1);
    const seen = new Events<number>();
    config.watch("n", (v) => seen.push(v.number()));
    // Other keys changing bump the agent's index without touching ours.
    await kv(agent, "elsewhere.yaml", "x: 1\n");
    await waitUntil(() => proxy.requests.length >= 5, "several blocking queries");
    assert.deepEqual(seen.all, []);
    await kv(agent, "svc/config.yaml", "n: 2\n");
    assert.equal(await seen.take("change"), 2);
  } finally {
    await config.close();
    await proxy.close();
    await agent.close();
  }
});

Deno.test("consul: ACL refusals, missing prefixes, other datacenters and bad options are clear errors", async () => {
  const agent = await startConsul({ managementToken: TOKEN });
  try {
    await kv(agent, "a/b.yaml", "x: 1\n");
    // A token the agent does not know is refused outright.
    const unknown = createConfig({
      sources: [consul({ endpoint: agent.address, prefix: "a/", token: "nope" })],
    });
    await assert.rejects(
      unknown.load(),
      (e: unknown) =>
        e instanceof ConfigError && e.code === "source" &&
        e.message === "consul: list a/: HTTP 403 ACL not found",
    );
    await unknown.close();
    // No token under a default-deny policy: the agent hides the keys (404, as if empty); the
    // source says why instead of loading an empty config.
    const anonymous = createConfig({
      sources: [consul({ endpoint: agent.address, prefix: "a/" })],
    });
    await assert.rejects(
      anonymous.load(),
      (e: unknown) =>
        e instanceof ConfigError && e.code === "source" &&
        /^consul: list a\/: nothing readable, and the agent denies by default \(X-Consul-Default-Acl-Policy: deny\) while no token is set/
          .test(e.message),
    );
    await anonymous.close();

    const empty = createConfig({
      sources: [consul({ endpoint: agent.address, prefix: "nothing/", token: TOKEN })],
    });
    await empty.load();
    assert.deepEqual(empty.value("").raw(), {});
    await empty.close();

    const elsewhere = createConfig({
      sources: [consul({ endpoint: agent.address, prefix: "a/", token: TOKEN, datacenter: "zz" })],
    });
    await assert.rejects(
      elsewhere.load(),
      /^ConfigError: consul: list a\/: HTTP 500 No path to datacenter/,
    );
    await elsewhere.close();

    await kv(agent, "a/plain", "x");
    const noExt = createConfig({
      sources: [consul({ endpoint: agent.address, prefix: "a/", token: TOKEN })],
    });
    await assert.rejects(noExt.load(), /consul: cannot tell the format of key a\/plain/);
    await noExt.close();

    assert.throws(
      () => consul({ endpoint: agent.address, prefix: "/" }),
      /prefix must be a non-empty/,
    );
    assert.throws(() => consul({ endpoint: "consul:8500", prefix: "a" }), ConfigError);
  } finally {
    await agent.close();
  }
});
