// ./client is apart from ./transport: a client-only program (a Worker calling a backend)
// reaches neither Hono nor the docs UI, which ./transport loads for its HTTP server.
import assert from "node:assert/strict";
import { loads, npmPackages } from "../../tools/loads.ts";
import { root } from "../support/tools.ts";

const server = /^(hono|@hono\/.*|swagger-ui-dist)$/;

Deno.test("./client reaches no Hono and no docs UI; ./transport does", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
  const client = await loads(`${root}${config.exports["./client"]}`);
  assert.deepEqual(npmPackages(client.reachable).filter((n) => server.test(n)), []);
  assert.ok(npmPackages(client.atImport).includes("@connectrpc/connect"));
  const transport = await loads(`${root}${config.exports["./transport"]}`);
  assert.ok(npmPackages(transport.atImport).includes("hono"), "./transport should load Hono");
  assert.ok(npmPackages(transport.reachable).includes("swagger-ui-dist"));
});
