// helloworld's errors come from its proto enum through protoc-gen-atreus-errors; the generated
// is… helpers recognise them on the client side of every protocol.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { Greeter } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import {
  isGreetingRefused,
  isUserNotFound,
} from "../../examples/helloworld/gen/helloworld/v1/error_reason_errors.ts";
import { middleware, services } from "../../examples/helloworld/internal/server/server.ts";
import { fromError } from "../../errors/mod.ts";
import { setLogger } from "../../log/mod.ts";
import { startServers, transports } from "../support/servers.ts";

Deno.test("helloworld errors reach clients typed, on every protocol", async () => {
  setLogger({ log() {} });
  const servers = await startServers(services(), middleware());
  try {
    for (const [kind, transport] of Object.entries(transports(servers))) {
      const client = createClient(Greeter, transport);
      const missing = await client.sayHello({ name: "nobody" }).then(() => undefined, (e) => e);
      assert.ok(isUserNotFound(missing), `${kind}: ${missing}`);
      assert.ok(!isGreetingRefused(missing), kind);
      assert.deepEqual(fromError(missing).metadata, { name: "nobody" }, kind);
      const empty = await client.sayHello({ name: "" }).then(() => undefined, (e) => e);
      assert.ok(isGreetingRefused(empty), `${kind}: ${empty}`);
      assert.equal(fromError(empty).code, 400, kind);
    }
  } finally {
    await servers.close();
  }
});
