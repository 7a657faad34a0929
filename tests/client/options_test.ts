// Bad client options fail at once with a typed error naming the mistake: ClientError for the
// endpoint and protocol, InvalidOptionError (the one every package raises) for the rest.
import assert from "node:assert/strict";
import { memory } from "../../registry/mod.ts";
import { p2c } from "../../selector/mod.ts";
import { InvalidOptionError } from "../../errors/mod.ts";
import { ClientError, type ClientErrorCode, createClient } from "../../transport/client/mod.ts";
import type { ClientOptions } from "../../transport/client/mod.ts";
import { Echo } from "./proto/gen/fixture/client/v1/echo_pb.ts";

function rejects(
  options: unknown,
  code: ClientErrorCode | "invalid_option",
  message: RegExp,
  service: unknown = Echo,
) {
  assert.throws(
    () => createClient(service as typeof Echo, options as ClientOptions),
    (e: unknown) => {
      const type = code === "invalid_option" ? InvalidOptionError : ClientError;
      assert.ok(e instanceof type, `not a ${type.name}: ${e}`);
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    },
  );
}

Deno.test("malformed endpoints are invalid_endpoint", () => {
  const cases: [unknown, RegExp][] = [
    ["", /empty/],
    [undefined, /empty or not a string/],
    [42, /not a string/],
    ["127.0.0.1:8000", /no scheme/],
    ["ftp://host:1", /unknown scheme "ftp"/],
    ["discovery:///", /does not name one service/],
    ["discovery:///a/b", /does not name one service/],
    ["direct:///", /empty address/],
    ["direct:///a:1,,b:2", /empty address/],
    ["direct:///a", /want host:port/],
    ["direct:///a:1/x", /want host:port/],
    ["direct:///a:0", /want host:port/],
    ["direct:///a:99999", /malformed address/],
    ["direct://host/a:1", /has an authority/],
    ["http://", /not a valid URL|no host/],
    ["http://u:p@host:1", /credentials/],
    ["http://host:1/?q=1", /query or fragment/],
    ["grpc://host:1/prefix", /has a path/],
  ];
  for (const [endpoint, message] of cases) {
    rejects({ endpoint, discovery: memory() }, "invalid_endpoint", message);
  }
});

Deno.test("discovery:/// without a discovery is missing_discovery", () => {
  rejects({ endpoint: "discovery:///echo" }, "missing_discovery", /needs a discovery/);
  rejects(
    { endpoint: "discovery:///echo", discovery: {} },
    "missing_discovery",
    /needs a discovery/,
  );
});

Deno.test("unknown or mismatched protocols are invalid_protocol", () => {
  rejects(
    { endpoint: "http://h:1", protocol: "grpcweb" },
    "invalid_protocol",
    /unknown protocol "grpcweb"/,
  );
  rejects({ endpoint: "http://h:1", protocol: "http" }, "invalid_protocol", /want one of connect/);
  rejects(
    { endpoint: "grpc://h:1" },
    "invalid_protocol",
    /native gRPC endpoint; use protocol "grpc"/,
  );
  rejects({ endpoint: "grpcs://h:1", protocol: "grpc-web" }, "invalid_protocol", /native gRPC/);
});

Deno.test("other malformed options are invalid_option", () => {
  const endpoint = "http://127.0.0.1:1";
  rejects(undefined, "invalid_option", /options with an endpoint are required/);
  rejects({ endpoint }, "invalid_option", /service descriptor/, {});
  rejects({ endpoint }, "invalid_option", /service descriptor/, null);
  rejects({ endpoint, timeoutMs: -1 }, "invalid_option", /timeoutMs must be a number of ms >= 0/);
  rejects({ endpoint, timeoutMs: NaN }, "invalid_option", /timeoutMs/);
  rejects({ endpoint, middleware: [() => {}, "x"] }, "invalid_option", /middleware must be/);
  rejects({ endpoint, middleware: () => {} }, "invalid_option", /middleware must be/);
  rejects({ endpoint, filters: [1] }, "invalid_option", /filters must be/);
  rejects({ endpoint, balancer: {} }, "invalid_option", /balancer must be/);
  rejects({ endpoint, fetch: "fetch" }, "invalid_option", /fetch must be a function/);
  rejects({ endpoint, idleConnectionTimeoutMs: 0 }, "invalid_option", /idleConnectionTimeoutMs/);
  rejects(
    { endpoint, protocol: "grpc", fetch: globalThis.fetch },
    "invalid_option",
    /protocol "grpc" uses node:http2/,
  );
});

Deno.test("well-formed endpoints are accepted", async () => {
  const ok: Partial<ClientOptions>[] = [
    { endpoint: "discovery:///echo", discovery: memory() },
    { endpoint: "discovery://default/echo", discovery: memory() }, // Kratos's authority form
    { endpoint: "direct:///127.0.0.1:80,[::1]:9000,host.example:1" },
    { endpoint: "http://127.0.0.1:8000" },
    { endpoint: "https://api.example.com/prefix/" },
    { endpoint: "grpc://127.0.0.1:9000", protocol: "grpc" },
    { endpoint: "http://127.0.0.1:9000", protocol: "grpc" },
    { endpoint: "http://127.0.0.1:8000", protocol: "grpc-web", balancer: p2c(), timeoutMs: 0 },
  ];
  for (const options of ok) {
    const client = createClient(Echo, options as ClientOptions);
    assert.equal(typeof client.get, "function", String(options.endpoint));
    await client.close();
  }
});
