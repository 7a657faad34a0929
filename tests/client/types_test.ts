// The client's structural types are Connect-ES's: checked in both directions at type level
// (this file fails `deno check`, and so `deno test`, if they drift apart), and at run time
// against a Connect-ES client of the same service: the same RPC functions, plus close().
import assert from "node:assert/strict";
import {
  type Client as ConnectClient,
  createClient as createConnectClient,
} from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createClient, type ServiceClient } from "../../transport/client/mod.ts";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import type { UserService } from "../fixtures/proto/validate/gen/fixture/validate/v1/user_pb.ts";
import { Echo } from "./proto/gen/fixture/client/v1/echo_pb.ts";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Type-level only: each line fails `deno check` when its types drift apart.
true satisfies Same<ServiceClient<typeof Greeter>, ConnectClient<typeof Greeter>>;
true satisfies Same<ServiceClient<typeof UserService>, ConnectClient<typeof UserService>>;
// Every streaming kind, nested messages, lists, maps and oneofs of messages.
true satisfies Same<ServiceClient<typeof Echo>, ConnectClient<typeof Echo>>;
// The check can fail: different services are different types, so this line must not compile.
// @ts-expect-error Greeter's client is not Echo's
true satisfies Same<ServiceClient<typeof Greeter>, ConnectClient<typeof Echo>>;

// Own enumerable keys with the typeof of each, e.g. "say: function".
function shape(client: object): string[] {
  return Object.entries(client).map(([k, v]) => `${k}: ${typeof v}`).sort();
}

for (const service of [Echo, Greeter]) {
  Deno.test(`${service.typeName}: the client has Connect-ES's RPC functions, plus close()`, async () => {
    const ours = createClient(service, { endpoint: "http://127.0.0.1:1" });
    const theirs = createConnectClient(
      service,
      createConnectTransport({ baseUrl: "http://127.0.0.1:1" }),
    );
    try {
      const rpcs = shape(theirs);
      assert.equal(rpcs.length, service.methods.length, "Connect-ES: one function per RPC");
      assert.deepEqual(shape(ours).filter((k) => !k.startsWith("close:")), rpcs);
      assert.equal(typeof ours.close, "function");
      assert.equal(typeof ours[Symbol.asyncDispose], "function");
    } finally {
      await ours.close();
    }
  });
}
