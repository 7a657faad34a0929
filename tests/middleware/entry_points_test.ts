// The middleware package's two structural rules (docs/conventions.md): it never imports
// transport/, and its main entry loads none of the libraries that auth, tracing, metrics and
// validation build on, while each of their own entries does reach its library.
import assert from "node:assert/strict";
import { importArrows } from "../../tools/arrows.ts";
import { loads, npmPackages } from "../../tools/loads.ts";
import { root } from "../support/tools.ts";

const heavy = /^(jose|@opentelemetry\/.*|@bufbuild\/protovalidate|hono|@hono\/.*|swagger-ui-dist)$/;

Deno.test("middleware/ and metadata/ import nothing from transport/", () => {
  const arrows = importArrows();
  // The walker sees arrows at all (transport does use the contract in internal/).
  assert.ok((arrows.get("transport -> internal")?.length ?? 0) > 0, "no arrows found");
  assert.deepEqual(arrows.get("middleware -> transport") ?? [], []);
  assert.deepEqual(arrows.get("metadata -> transport") ?? [], []);
});

Deno.test("./middleware reaches neither jose, OpenTelemetry, protovalidate nor Hono", async () => {
  const { reachable } = await loads(`${root}middleware/mod.ts`);
  assert.deepEqual(npmPackages(reachable).filter((n) => heavy.test(n)), []);
});

Deno.test("each heavy middleware entry reaches its own library", async () => {
  const cases: [string, string][] = [
    ["middleware/auth/mod.ts", "jose"],
    ["middleware/tracing/mod.ts", "@opentelemetry/api"],
    ["middleware/metrics/mod.ts", "@opentelemetry/api"],
    ["middleware/validate/mod.ts", "@bufbuild/protovalidate"],
  ];
  for (const [entry, library] of cases) {
    const { reachable } = await loads(`${root}${entry}`);
    assert.ok(npmPackages(reachable).includes(library), `${entry} should reach ${library}`);
  }
});

Deno.test("./middleware loads no balancer, resolver nor selector/mod.ts at import", async () => {
  // circuitBreaker and retry read node keys only; the client loads the selector itself.
  const { atImport } = await loads(`${root}middleware/mod.ts`);
  const prefix = `file://${root}`;
  const selector = [...atImport].filter((s) => s.startsWith(`${prefix}selector/`))
    .map((s) => s.slice(prefix.length)).sort();
  assert.deepEqual(selector, ["selector/errors.ts", "selector/node.ts", "selector/peer.ts"]);
});
