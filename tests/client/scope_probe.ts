// Run in a fresh process by scope_test.ts. The first gRPC client is created, and called,
// inside a request scope with a deadline; the next test must not see that deadline. (Under
// Deno, a dynamic import started inside an AsyncLocalStorage scope once leaked the scope into
// every later test — and a leaked deadline cuts unrelated calls short.)
import assert from "node:assert/strict";
import { newValues, runWithValues } from "../../internal/context.ts";
import { deadlineKey, remainingMs } from "../../transport/mod.ts";
import { createClient } from "../../transport/client/mod.ts";
import { Echo } from "./proto/gen/fixture/client/v1/echo_pb.ts";
import { startEcho } from "../support/client.ts";

Deno.test("a gRPC client made and called inside a scope", async () => {
  const a = await startEcho("a");
  try {
    const values = newValues();
    values.set(deadlineKey, Date.now() + 60_000);
    await runWithValues(values, async () => {
      const client = createClient(Echo, { endpoint: a.grpc, protocol: "grpc" });
      assert.equal((await client.get({ text: "x" })).server, "a");
      await client.close();
    });
  } finally {
    await a.stop();
  }
});

Deno.test("the next test runs outside that scope", () => {
  assert.equal(remainingMs(), undefined);
});
