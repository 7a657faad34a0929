// The client's structural types are Connect-ES's: checked in both directions at type level
// (this file fails `deno check`, and so `deno test`, if they drift apart), and at run time
// the client has exactly one function per RPC plus close().
import assert from "node:assert/strict";
import type { Client as ConnectClient } from "@connectrpc/connect";
import { createClient, type ServiceClient } from "../../transport/mod.ts";
import type { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import type { UserService } from "../fixtures/proto/validate/gen/fixture/validate/v1/user_pb.ts";
import { Echo } from "./proto/gen/fixture/client/v1/echo_pb.ts";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const greeter: Same<ServiceClient<typeof Greeter>, ConnectClient<typeof Greeter>> = true;
const users: Same<ServiceClient<typeof UserService>, ConnectClient<typeof UserService>> = true;
// Every streaming kind, nested messages, lists, maps and oneofs of messages.
const echo: Same<ServiceClient<typeof Echo>, ConnectClient<typeof Echo>> = true;
// The check can fail: different services are different types.
const differs: Same<ServiceClient<typeof Greeter>, ConnectClient<typeof Echo>> = false;

Deno.test("ServiceClient<S> is Connect-ES's Client<S>; the client has one function per RPC", async () => {
  assert.deepEqual([greeter, users, echo, differs], [true, true, true, false]);
  const client = createClient(Echo, { endpoint: "http://127.0.0.1:1" });
  const rpcs = Echo.methods.map((m) => m.localName).sort();
  assert.deepEqual(Object.keys(client).filter((k) => k !== "close").sort(), rpcs);
  assert.equal(typeof client.close, "function");
  assert.equal(typeof client[Symbol.asyncDispose], "function");
  await client.close();
});
