// Connect's conformance suite in CI, server side: the CI subset of every server run (every
// runtime, both servers, both unary paths). The client runs have their own test
// (client/conformance_test.ts); the whole matrix is `deno task conformance` (README).
import { conformanceTest } from "./ci.ts";

conformanceTest("server", "conformance: the servers pass the CI subset on every runtime");
