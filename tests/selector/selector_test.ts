// Nodes from registry instances, filters, and the selector's pick contract.
import assert from "node:assert/strict";
import {
  createNode,
  createSelector,
  NoAvailableNodeError,
  type PickContext,
  SelectorError,
  toNodes,
  version,
  where,
  wrr,
} from "../../selector/mod.ts";
import { InvalidOptionError } from "../../errors/mod.ts";
import { instance, node } from "../support/selector.ts";

Deno.test("node: built from an instance endpoint like Kratos's selector.NewNode", () => {
  const i = instance("a", 9000, {
    version: "v2",
    metadata: { weight: "250", zone: "z1" },
    endpoints: ["grpc://10.0.0.1:9000", "http://[::1]:8000?isSecure=true"],
  });
  assert.deepEqual(createNode(i, i.endpoints[0]), {
    scheme: "grpc",
    address: "10.0.0.1:9000",
    endpoint: "grpc://10.0.0.1:9000",
    secure: false,
    serviceName: "svc",
    instanceId: "a",
    weight: 250,
    version: "v2",
    metadata: { weight: "250", zone: "z1" },
  });
  const http = createNode(i, i.endpoints[1]);
  assert.equal(http.address, "[::1]:8000");
  assert.equal(http.secure, true, "Kratos's isSecure=true");
  assert.equal(createNode(i, "grpcs://h:1").secure, true);
  for (const weight of ["0", "-3", "abc", ""]) {
    assert.equal(node("w", 1, { metadata: { weight } }).weight, 100, weight);
  }
});

Deno.test("node: malformed endpoints throw invalid_endpoint; toNodes skips and reports them", () => {
  const i = instance("a", 1, { endpoints: ["not a url", "unix:/tmp/sock", "grpc://10.0.0.1:1"] });
  assert.throws(
    () => createNode(i, "not a url"),
    (e: unknown) =>
      e instanceof SelectorError && e.code === "invalid_endpoint" && /svc\/a/.test(e.message),
  );
  const reported: SelectorError[] = [];
  const nodes = toNodes([i], { onInvalid: (e) => reported.push(e) });
  assert.deepEqual(nodes.map((n) => n.endpoint), ["grpc://10.0.0.1:1"]);
  assert.equal(reported.length, 2);
});

Deno.test("toNodes: schemes pick one endpoint per instance, in preference order", () => {
  const both = instance("a", 1, { endpoints: ["http://10.0.0.1:8000", "grpc://10.0.0.1:9000"] });
  const httpOnly = instance("b", 2, { endpoints: ["http://10.0.0.2:8000"] });
  assert.deepEqual(
    toNodes([both, httpOnly], { schemes: ["grpc"] }).map((n) => n.endpoint),
    ["grpc://10.0.0.1:9000"],
  );
  assert.deepEqual(
    toNodes([both, httpOnly], { schemes: ["grpc", "http"] }).map((n) => n.endpoint),
    ["grpc://10.0.0.1:9000", "http://10.0.0.2:8000"],
  );
  assert.equal(toNodes([both, httpOnly]).length, 3, "no schemes: every endpoint");
  // The same endpoint listed by two instances is one node.
  assert.equal(toNodes([httpOnly, { ...httpOnly, id: "c" }]).length, 1);
});

Deno.test("selector: empty list and fully filtered list give a typed no-available-node error", () => {
  const selector = createSelector({ service: "svc" });
  assert.throws(
    () => selector.pick(),
    (e: unknown) =>
      e instanceof NoAvailableNodeError && e.code === "no_available_node" && e.total === 0 &&
      e.service === "svc" && /no nodes known/.test(e.message),
  );
  selector.apply([node("a", 1, { version: "v1" })]);
  assert.throws(
    () => selector.pick({ filters: [version("v2")] }),
    (e: unknown) =>
      e instanceof NoAvailableNodeError && e.total === 1 && /none of 1 node/.test(e.message),
  );
  assert.throws(
    () => createSelector({ filters: [42 as never] }),
    (e: unknown) =>
      e instanceof InvalidOptionError && e.option === "filters" && /^selector: /.test(e.message),
  );
});

Deno.test("selector: selector filters then pick filters, which see the pick context", () => {
  const seen: PickContext[] = [];
  const canary = where((n, ctx) => {
    seen.push(ctx);
    return ctx.metadata?.["x-canary"] === "1"
      ? n.metadata.canary === "1"
      : n.metadata.canary !== "1";
  });
  const selector = createSelector({ balancer: wrr(), filters: [version("v1")] });
  selector.apply([
    node("stable", 1, { version: "v1" }),
    node("canary", 2, { version: "v1", metadata: { canary: "1" } }),
    node("old", 3, { version: "v0" }),
  ]);
  for (let i = 0; i < 5; i++) {
    assert.equal(selector.pick({ filters: [canary] }).node.instanceId, "stable");
    const ctx = { operation: "/pkg.S/M", metadata: { "x-canary": "1" }, filters: [canary] };
    assert.equal(selector.pick(ctx).node.instanceId, "canary");
  }
  assert.equal(seen.at(-1)?.operation, "/pkg.S/M");
  // Without the pick filter both v1 nodes share the load; v0 never appears.
  const ids = new Set(Array.from({ length: 4 }, () => selector.pick().node.instanceId));
  assert.deepEqual([...ids].sort(), ["canary", "stable"]);
});

Deno.test("selector: apply swaps the whole list; nodes() is a frozen snapshot", () => {
  const selector = createSelector();
  assert.equal(selector.balancer, "wrr");
  const first = [node("a", 1)];
  selector.apply(first);
  const snapshot = selector.nodes();
  first.push(node("b", 2));
  assert.equal(selector.nodes().length, 1, "later mutation of the input does not leak in");
  assert.ok(Object.isFrozen(snapshot));
  selector.apply([]);
  assert.equal(snapshot.length, 1);
  assert.throws(() => selector.pick(), NoAvailableNodeError);
});
