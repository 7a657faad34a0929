// App lifecycle in-process: Kratos hook order, deregistration on every exit path, aggregated
// hook errors, bind failures, and AppInfo in the request context.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { App } from "../../mod.ts";
import type { Registrar, ServiceInstance } from "../../registry/mod.ts";
import { appInfo, createHttpServer, type Server } from "../../transport/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";

class RecordingRegistrar implements Registrar {
  constructor(readonly log: string[], readonly failRegister = false) {}
  register(instance: ServiceInstance): Promise<void> {
    this.log.push(`register ${instance.name} ${instance.endpoints.join(",")}`);
    return this.failRegister ? Promise.reject(new Error("registry down")) : Promise.resolve();
  }
  deregister(instance: ServiceInstance): Promise<void> {
    this.log.push(`deregister ${instance.name}`);
    return Promise.resolve();
  }
}

function fakeServer(name: string, log: string[], failStart = false): Server {
  return {
    start() {
      log.push(`start ${name}`);
      return failStart ? Promise.reject(new Error(`${name} cannot bind`)) : Promise.resolve();
    },
    stop() {
      log.push(`stop ${name}`);
      return Promise.resolve();
    },
  };
}

const hook = (log: string[], name: string) => () => void log.push(name);

Deno.test("run and stop follow Kratos's order", async () => {
  const log: string[] = [];
  const app = new App({
    name: "svc",
    version: "v1",
    signals: false,
    endpoints: ["http://10.0.0.1:8000"],
    servers: [fakeServer("a", log)],
    registrar: new RecordingRegistrar(log),
    beforeStart: hook(log, "beforeStart"),
    afterStart: [hook(log, "afterStart 1"), ({ app }) => {
      log.push("afterStart 2");
      queueMicrotask(() => void (app as App).stop());
    }],
    beforeStop: hook(log, "beforeStop"),
    afterStop: hook(log, "afterStop"),
  });
  await app.run();
  assert.deepEqual(log, [
    "beforeStart",
    "start a",
    "register svc http://10.0.0.1:8000",
    "afterStart 1",
    "afterStart 2",
    "beforeStop",
    "deregister svc",
    "stop a",
    "afterStop",
  ]);
});

Deno.test("a server that fails to start rejects run() after deregistering and stopping the rest", async () => {
  const log: string[] = [];
  const app = new App({
    name: "svc",
    signals: false,
    servers: [fakeServer("good", log), fakeServer("bad", log, true)],
    registrar: new RecordingRegistrar(log),
    afterStop: hook(log, "afterStop"),
  });
  await assert.rejects(app.run(), /bad cannot bind/);
  assert.ok(log.includes("deregister svc"), log.join("\n"));
  assert.ok(log.includes("stop good"), log.join("\n"));
  assert.ok(!log.includes("stop bad"), "a server that never started is not stopped");
  assert.ok(!log.some((l) => l.startsWith("register")), "nothing registered");
});

Deno.test("an HTTP server whose port is taken fails with the address in the error", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const log: string[] = [];
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const app = new App({
      name: "svc",
      signals: false,
      servers: [createHttpServer({ address: `127.0.0.1:${port}` })],
      registrar: new RecordingRegistrar(log),
    });
    await assert.rejects(app.run(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
    assert.deepEqual(log, ["deregister svc"]);
  } finally {
    taken.close();
  }
});

Deno.test("a failing registration stops the servers and rejects", async () => {
  const log: string[] = [];
  const app = new App({
    name: "svc",
    signals: false,
    servers: [fakeServer("a", log)],
    registrar: new RecordingRegistrar(log, true),
  });
  await assert.rejects(app.run(), /registry down/);
  assert.deepEqual(log, ["start a", "register svc ", "deregister svc", "stop a"]);
});

Deno.test("stop hook errors are aggregated, not overwritten", async () => {
  const app = new App({
    name: "svc",
    signals: false,
    afterStart: ({ app }) => void queueMicrotask(() => void (app as App).stop()),
    beforeStop: () => {
      throw new Error("first");
    },
    afterStop: [() => {
      throw new Error("second");
    }, () => {
      throw new Error("third");
    }],
  });
  const error = await app.run().then(() => undefined, (e) => e);
  assert.ok(error instanceof AggregateError, String(error));
  assert.deepEqual(error.errors.map((e: Error) => e.message), ["first", "second", "third"]);
});

Deno.test("a beforeStart error aborts run() before any server starts", async () => {
  const log: string[] = [];
  const app = new App({
    name: "svc",
    signals: false,
    servers: [fakeServer("a", log)],
    beforeStart: () => {
      throw new Error("config missing");
    },
  });
  await assert.rejects(app.run(), /config missing/);
  assert.deepEqual(log, []);
  await assert.rejects(app.run(), /run\(\) can be called once/);
});

Deno.test("app info and endpoints are visible to handlers", async () => {
  const impl = {
    sayHello: () => {
      const info = appInfo();
      return { message: `${info?.name} ${info?.version} ${info?.endpoints.length}` };
    },
  };
  const http = createHttpServer({ address: "127.0.0.1:0", services: [[Greeter, impl]] });
  let reply = "";
  const app = new App({
    id: "id-1",
    name: "greeter",
    version: "v9",
    signals: false,
    servers: [http],
    afterStart: async ({ app }) => {
      assert.match(app.endpoints[0], /^http:\/\/127\.0\.0\.1:\d+$/);
      const client = createClient(Greeter, createConnectTransport({ baseUrl: app.endpoints[0] }));
      reply = (await client.sayHello({ name: "x" })).message;
      void (app as App).stop();
    },
  });
  await app.run();
  assert.equal(reply, "greeter v9 1");
  assert.equal(app.id, "id-1");
});

Deno.test("health turns NOT_SERVING when stopping begins, before beforeStop and deregistration", async () => {
  const log: string[] = [];
  const server = createHttpServer({ address: "127.0.0.1:0", services: [] });
  const readiness = async () => {
    const res = await fetch(`${server.endpoint().href}readyz`);
    return `${res.status} ${(await res.json()).status}`;
  };
  const app = new App({
    name: "svc",
    signals: false,
    servers: [server],
    registrar: {
      register: () => Promise.resolve(),
      deregister() {
        log.push(`deregister: ${server.health.get()}`);
        return Promise.resolve();
      },
    },
    afterStart: async ({ app }) => {
      log.push(`afterStart: ${await readiness()}`);
      queueMicrotask(() => void (app as App).stop());
    },
    // The server still accepts connections here, so a probe dialling afresh sees the state.
    beforeStop: async () => void log.push(`beforeStop: ${await readiness()}`),
  });
  await app.run();
  assert.deepEqual(log, [
    "afterStart: 200 SERVING",
    "beforeStop: 503 NOT_SERVING",
    "deregister: NOT_SERVING",
  ]);
});
