// Bundled and run on workerd by workerd_test.ts: a line logged while the worker's module loads
// (Workers forbid timers in global scope), then one per request.
import { helper } from "../../log/mod.ts";

helper().warnw("logged at load", "phase", "global");

export default {
  fetch(request: Request): Response {
    helper().infow("logged in a handler", "path", new URL(request.url).pathname);
    return new Response("ready");
  },
};
