// grpc.health.v1 and the HTTP probes on real servers: SERVING after start, per-service status,
// NOT_SERVING as soon as stop() begins while a call is still in flight, and watches that end
// once the drain is done instead of holding it until the stop deadline.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { grpc, grpcJsClient } from "../support/clients.ts";
import { loadShop } from "../support/reflection_fixture.ts";
import { openWatch } from "../support/health_watch.ts";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
} from "../../internal/gen/grpc/health/v1/health_pb.ts";
import { createGrpcServer, createHttpServer } from "../../transport/mod.ts";

const shop = await loadShop();
const SHOP = "fixture.shop.v1.Shop";

/** A shop whose GetOrder waits until released: the in-flight call a drain must wait for. */
function gatedShop() {
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const started = new Promise<void>((r) => (entered = r));
  const impl = {
    async getOrder(req: { id: string }) {
      entered();
      await gate;
      return { id: req.id };
    },
  };
  return { registration: [shop.service, impl] as const, release, started };
}

Deno.test("gRPC server: Check, List and per-service status with a grpc-js health client", async () => {
  const server = createGrpcServer({ address: "127.0.0.1:0", services: [shop.registration] });
  await server.start();
  const client = grpcJsClient(Health, server.endpoint().host);
  try {
    const check = async (service: string) =>
      (await client.unary("check", { service })).message.status;
    assert.equal(await check(""), Status.SERVING);
    assert.equal(await check(SHOP), Status.SERVING);
    server.health.set(SHOP, "NOT_SERVING");
    assert.equal(await check(SHOP), Status.NOT_SERVING);
    assert.equal(await check(""), Status.SERVING);
    await assert.rejects(check("no.such.Service"), (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.NOT_FOUND);
      assert.match(e.details, /no\.such\.Service/);
      return true;
    });
    const { message } = await client.unary("list", {});
    const statuses = message.statuses as Record<string, { status: number }>;
    assert.equal(statuses[""].status, Status.SERVING);
    assert.equal(statuses[SHOP].status, Status.NOT_SERVING);
  } finally {
    client.close();
    await server.stop();
  }
});

Deno.test("gRPC server: a watch of an unknown service stays open until the service is known", async () => {
  const server = createGrpcServer({ address: "127.0.0.1:0", services: [shop.registration] });
  await server.start();
  const watch = openWatch(server.endpoint().host, "late.v1.Service");
  try {
    assert.equal(await watch.next(), Status.SERVICE_UNKNOWN);
    server.health.set("late.v1.Service", "SERVING");
    assert.equal(await watch.next(), Status.SERVING);
    watch.cancel();
    assert.equal((await watch.status()).code, grpc.status.CANCELLED);
  } finally {
    watch.close();
    await server.stop();
  }
});

Deno.test("gRPC server: NOT_SERVING during the drain, before the in-flight call finishes", async () => {
  const gated = gatedShop();
  const server = createGrpcServer({ address: "127.0.0.1:0", services: [gated.registration] });
  await server.start();
  const address = server.endpoint().host;
  const watch = openWatch(address, "");
  const shopClient = grpcJsClient(shop.service, address);
  const force = new AbortController();
  const forceTimer = setTimeout(() => force.abort(), 15_000);
  try {
    assert.equal(await watch.next(), Status.SERVING);
    const slow = shopClient.unary("getOrder", { id: "in-flight" });
    await gated.started;
    let finished = false;
    void slow.then(() => (finished = true), () => (finished = true));
    const stopped = server.stop({ signal: force.signal });
    assert.equal(await watch.next(), Status.NOT_SERVING);
    assert.equal(finished, false, "the in-flight call finished before NOT_SERVING was seen");
    assert.equal(server.health.get(), "NOT_SERVING");
    gated.release();
    assert.equal((await slow).message.id, "in-flight");
    // The watch ends cleanly once the drain is done, not cut at the stop deadline.
    const status = await watch.status();
    assert.equal(status.code, grpc.status.OK, status.details);
    await stopped;
    assert.equal(force.signal.aborted, false, "stop() needed the deadline");
  } finally {
    clearTimeout(forceTimer);
    watch.close();
    shopClient.close();
    gated.release();
    await server.stop();
  }
});

Deno.test("HTTP server: /healthz, /readyz and a Connect watch through start and drain", async () => {
  const gated = gatedShop();
  const server = createHttpServer({ address: "127.0.0.1:0", services: [gated.registration] });
  const probe = async (path: string) => {
    const res = await server.fetch(new Request(`http://in-process${path}`));
    return { code: res.status, body: await res.json() };
  };
  assert.deepEqual(await probe("/readyz"), { code: 503, body: { status: "NOT_SERVING" } });
  assert.deepEqual(await probe("/healthz"), { code: 200, body: { status: "NOT_SERVING" } });
  await server.start();
  const base = server.endpoint().href.replace(/\/$/, "");
  const force = new AbortController();
  const forceTimer = setTimeout(() => force.abort(), 15_000);
  try {
    for (const path of ["/healthz", "/readyz"]) {
      const res = await fetch(base + path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.deepEqual(await res.json(), { status: "SERVING" });
    }
    assert.deepEqual(await probe(`/readyz?service=${SHOP}`), {
      code: 200,
      body: { status: "SERVING", service: SHOP },
    });
    assert.deepEqual(await probe("/readyz?service=no.such.Service"), {
      code: 404,
      body: { status: "SERVICE_UNKNOWN", service: "no.such.Service" },
    });
    server.health.set(SHOP, "NOT_SERVING");
    assert.equal((await probe(`/readyz?service=${SHOP}`)).code, 503);
    assert.equal((await probe("/readyz")).code, 200, "the server as a whole still serves");
    server.health.set(SHOP, "SERVING");

    const transport = createConnectTransport({ baseUrl: base });
    const watch = createClient(Health, transport).watch({ service: SHOP })[Symbol.asyncIterator]();
    assert.equal((await watch.next()).value?.status, Status.SERVING);
    const shopClient = createClient(shop.service, transport) as unknown as {
      getOrder(req: { id: string }): Promise<{ id: string }>;
    };
    const slow = shopClient.getOrder({ id: "in-flight" });
    await gated.started;
    let finished = false;
    void slow.then(() => (finished = true), () => (finished = true));
    const stopped = server.stop({ signal: force.signal });
    assert.equal((await watch.next()).value?.status, Status.NOT_SERVING);
    assert.equal(finished, false, "the in-flight call finished before NOT_SERVING was seen");
    assert.deepEqual(await probe("/readyz"), { code: 503, body: { status: "NOT_SERVING" } });
    assert.deepEqual(await probe("/healthz"), { code: 200, body: { status: "NOT_SERVING" } });
    // Over the network the draining server either refuses the connection or says 503.
    const remote = await fetch(`${base}/readyz`).then((r) => r.status, () => "refused");
    assert.notEqual(remote, 200);
    gated.release();
    assert.equal((await slow).id, "in-flight");
    assert.deepEqual(await watch.next(), { done: true, value: undefined });
    await stopped;
    assert.equal(force.signal.aborted, false, "stop() needed the deadline");
  } finally {
    clearTimeout(forceTimer);
    gated.release();
    await server.stop();
  }
});

Deno.test("health: false serves neither the service nor the probes", async () => {
  const http = createHttpServer({ services: [shop.registration], health: false });
  const grpcServer = createGrpcServer({ services: [shop.registration], health: false });
  for (const server of [http, grpcServer]) {
    assert.ok(
      !server.operations.some((o) => o.startsWith("/grpc.health.")),
      server.operations.join(),
    );
  }
  const res = await http.fetch(new Request("http://in-process/healthz"));
  await res.body?.cancel();
  assert.equal(res.status, 404);
  // Reflection no longer lists it either.
  assert.ok(http.operations.includes("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"));
});
