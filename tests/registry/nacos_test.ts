// The Nacos adapter against a stateful fake of the v1 naming API (tests/support/nacos.ts):
// no Nacos server can run here, so these are contract tests, not integration tests.
import assert from "node:assert/strict";
import {
  type FetchLike,
  InvalidOptionError,
  nacos,
  RegistryError,
  type RegistryEvent,
  type ServiceInstance,
} from "../../registry/mod.ts";
import { runConformance } from "../support/registry_conformance.ts";
import { startFakeNacos } from "../support/nacos.ts";
import { eventually, uniqueName } from "../support/wait.ts";

runConformance({
  name: "nacos (fake server)",
  changeMs: 2_000,
  // Beats every 200 ms; unhealthy (hidden) 1.5 s after the last one.
  expiryMs: 5_000,
  recoveryMs: 8_000,
  discovered(registered) {
    const [endpoint] = registered.endpoints;
    const { hostname, port, protocol } = new URL(endpoint);
    const scheme = protocol.slice(0, -1);
    const service = `${registered.name}.${scheme}`;
    return {
      service,
      instance: {
        id: `${hostname}#${port}#DEFAULT#DEFAULT_GROUP@@${service}`,
        name: service,
        version: registered.version,
        metadata: {
          ...registered.metadata,
          kind: scheme,
          version: registered.version,
          weight: registered.metadata.weight ?? "100",
        },
        endpoints: [endpoint],
      },
    };
  },
  start() {
    const server = startFakeNacos({
      clientBeatIntervalMs: 200,
      heartBeatTimeoutMs: 1_500,
      ipDeleteTimeoutMs: 3_000,
    });
    return Promise.resolve({
      registry: (onEvent) =>
        nacos({
          endpoint: server.endpoint,
          pollIntervalMs: 100,
          beatIntervalMs: 200,
          backoff: { initialMs: 100 },
          timeoutMs: 1_000,
          onEvent,
        }),
      restart: () => server.restart(),
      close: () => server.close(),
    });
  },
});

const twoEndpoints = (name: string): ServiceInstance => ({
  id: "id-1",
  name,
  version: "v1",
  metadata: { weight: "30", zone: "a" },
  endpoints: ["grpc://127.0.0.1:9000", "http://127.0.0.1:8000"],
});

Deno.test("nacos: one instance per endpoint under <name>.<scheme>, Kratos's parameters", async () => {
  const server = startFakeNacos();
  const registry = nacos({ endpoint: server.endpoint, accessToken: "tok", namespace: "ns1" });
  try {
    const name = uniqueName();
    await registry.register(twoEndpoints(name));
    const registrations = server.requests.filter((r) => r.method === "POST");
    assert.deepEqual(
      registrations.map((r) => Object.fromEntries(r.params)),
      [["grpc", 9000], ["http", 8000]].map(([scheme, port]) => ({
        serviceName: `${name}.${scheme}`,
        groupName: "DEFAULT_GROUP",
        clusterName: "DEFAULT",
        ip: "127.0.0.1",
        port: String(port),
        weight: "30",
        enabled: "true",
        healthy: "true",
        ephemeral: "true",
        metadata: JSON.stringify({ weight: "30", zone: "a", kind: scheme, version: "v1" }),
        namespaceId: "ns1",
        accessToken: "tok",
      })),
    );
    const [grpc] = await registry.getService(`${name}.grpc`);
    const [http] = await registry.getService(`${name}.http`);
    assert.deepEqual(grpc.endpoints, ["grpc://127.0.0.1:9000"]);
    assert.deepEqual(http.endpoints, ["http://127.0.0.1:8000"]);
    assert.equal(http.version, "v1");
    assert.deepEqual(await registry.getService(name), [], "the bare name is not a Nacos service");
    await registry.deregister(twoEndpoints(name));
    assert.deepEqual(await registry.getService(`${name}.grpc`), []);
    assert.deepEqual(await registry.getService(`${name}.http`), []);
  } finally {
    await registry.close();
    await server.close();
  }
});

Deno.test("nacos: beats follow the server's clientBeatInterval", async () => {
  const server = startFakeNacos({ clientBeatIntervalMs: 100 });
  // Our own interval is a minute: only the server's answer can make beats this frequent.
  const registry = nacos({ endpoint: server.endpoint, beatIntervalMs: 60_000 });
  try {
    const name = uniqueName();
    await registry.register({ ...twoEndpoints(name), endpoints: ["grpc://127.0.0.1:9000"] });
    const beats = () => server.requests.filter((r) => r.path.endsWith("/instance/beat"));
    await eventually(() => Promise.resolve(beats().length >= 4), 3_000, "four beats");
    const beat = JSON.parse(beats()[0].params.get("beat")!);
    assert.deepEqual(beat, {
      serviceName: `DEFAULT_GROUP@@${name}.grpc`,
      ip: "127.0.0.1",
      port: 9000,
      cluster: "DEFAULT",
      weight: 30,
      metadata: { weight: "30", zone: "a", kind: "grpc", version: "v1" },
      scheduled: false,
    });
  } finally {
    await registry.close();
    await server.close();
  }
});

Deno.test("nacos: malformed hosts are skipped and reported", async () => {
  const server = startFakeNacos();
  const seen: RegistryEvent[] = [];
  // The injected fetch lets the test corrupt the server's answer.
  const corrupting: FetchLike = async (input, init) => {
    const res = await fetch(input, init);
    if (!String(input).includes("/instance/list")) return res;
    const body = await res.json();
    body.hosts.push({ ip: 42, port: "x" }, { ip: "10.0.0.1", port: 1, metadata: { version: 7 } });
    return Response.json(body);
  };
  const registry = nacos({
    endpoint: server.endpoint,
    fetch: corrupting,
    onEvent: (e) => void seen.push(e),
  });
  try {
    const name = uniqueName();
    await registry.register({ ...twoEndpoints(name), endpoints: ["grpc://127.0.0.1:9000"] });
    const list = await registry.getService(`${name}.grpc`);
    assert.deepEqual(list.map((i) => i.endpoints[0]), ["grpc://127.0.0.1:9000"]);
    const invalid = seen.filter((e) => e.type === "invalid_record");
    assert.equal(invalid.length, 2);
    assert.ok(
      invalid.every((e) => e.type === "invalid_record" && e.error instanceof RegistryError),
    );
  } finally {
    await registry.close();
    await server.close();
  }
});

Deno.test("nacos: endpoints without a port and malformed options are rejected", async () => {
  const server = startFakeNacos();
  const registry = nacos({ endpoint: server.endpoint });
  try {
    await assert.rejects(
      registry.register({ ...twoEndpoints("x"), endpoints: ["grpc://127.0.0.1"] }),
      (e: unknown) => e instanceof RegistryError && e.code === "invalid_instance",
    );
    const invalid = (option: string) => (e: unknown) =>
      e instanceof InvalidOptionError && e.option === option && e.message.startsWith("nacos: ");
    assert.throws(() => nacos({ endpoint: "" }), invalid("endpoint"));
    assert.throws(
      () => nacos({ endpoint: "http://x", pollIntervalMs: 0 }),
      invalid("pollIntervalMs"),
    );
    assert.throws(() => nacos({ endpoint: "http://x", weight: -1 }), invalid("weight"));
    assert.throws(() => nacos({ endpoint: "http://x", username: "u" }), invalid("password"));
  } finally {
    await registry.close();
    await server.close();
  }
});

Deno.test("nacos: logs in, logs in again once when the token is refused, bad passwords fail clearly", async () => {
  const server = startFakeNacos({ users: { nacos: "secret" } });
  const registry = nacos({
    endpoint: server.endpoint,
    username: "nacos",
    password: "secret",
    beatIntervalMs: 60_000,
    timeoutMs: 2_000,
  });
  const logins = () => server.requests.filter((r) => r.path === "/nacos/v1/auth/login").length;
  const name = uniqueName();
  try {
    await registry.register(twoEndpoints(name));
    assert.equal((await registry.getService(`${name}.grpc`)).length, 1);
    assert.equal(logins(), 1, "one login serves every call while the token is valid");
    server.expireTokens();
    assert.ok((await registry.services()).includes(`${name}.grpc`));
    assert.equal(logins(), 2, "a 403 logs in again, once");
    const tokens = server.requests.filter((r) => r.path !== "/nacos/v1/auth/login")
      .map((r) => r.params.get("accessToken"));
    assert.ok(tokens.every((t) => typeof t === "string" && t !== ""), "every call carries a token");
    const wrong = nacos({ endpoint: server.endpoint, username: "nacos", password: "wrong" });
    await assert.rejects(
      wrong.getService(`${name}.grpc`),
      (e: unknown) =>
        e instanceof RegistryError && e.code === "bad_response" && /nacos: login/.test(e.message),
    );
    await wrong.close();
  } finally {
    await registry.close();
    await server.close();
  }
});
