// Connect's conformance suite in CI, client side: the CI subset of every client run (Deno, Node
// and Bun over fetch and node:http2, workerd over its fetch). The whole matrix is
// `deno task conformance` (README).
import { conformanceTest } from "../ci.ts";

conformanceTest("client", "conformance: the client passes the CI subset on every runtime");
