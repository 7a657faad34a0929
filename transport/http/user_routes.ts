// Plain routes a user adds on the server's Hono app (with or without server.route) drain like
// RPCs: counted in flight until their response body is written, refused once stop() began. The
// tracking wraps the handlers the app's router receives from then on, so it covers the routes
// added after the server's own and nothing else: an RPC path still matches its one handler, and
// Hono serves it without composing a chain.
import type { Context, Hono, Next } from "hono";
import type { InFlight } from "../drain.ts";
import { serviceUnavailable, toJson } from "../../errors/mod.ts";

// Built once: every refused request gets the same bytes.
const DRAINING_BODY = JSON.stringify(
  toJson(serviceUnavailable("UNAVAILABLE", "the server is shutting down")),
);

/** The answer to a plain HTTP request while the server drains: a Kratos error body, 503. */
export function drainingAnswer(): Response {
  return new Response(DRAINING_BODY, {
    status: 503,
    // Retry-After 0: the request is safe to send again at once, to another instance.
    headers: { "content-type": "application/json", "retry-after": "0" },
  });
}

// What Hono's router holds per route: the handler and its route record.
type RouterEntry = Parameters<Hono["router"]["add"]>[2];
type RouteHandler = RouterEntry[0];

/**
 * Counts every route added to `hono` from now on in `inflight`, and refuses them while it drains.
 * A request that runs several of them (middleware, then a handler) is counted once.
 */
export function trackUserRoutes(hono: Hono, inflight: InFlight): void {
  const router = hono.router;
  const add = router.add.bind(router);
  const counted = new WeakSet<Context>();
  router.add = (method: string, path: string, [handler, route]: RouterEntry) =>
    add(method, path, [tracked(handler, inflight, counted), route]);
}

function tracked(
  handler: RouteHandler,
  inflight: InFlight,
  counted: WeakSet<Context>,
): RouteHandler {
  return async (c: Context, next: Next): Promise<Response | undefined> => {
    if (counted.has(c)) {
      const out = await handler(c, next);
      return out instanceof Response ? out : undefined;
    }
    if (inflight.draining) return drainingAnswer();
    counted.add(c);
    inflight.enter();
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      inflight.leave();
    };
    let out;
    try {
      out = await handler(c, next);
    } catch (error) {
      leave();
      throw error;
    }
    // A handler's own Response, or (middleware that awaited next) the one the chain set.
    const res = out instanceof Response ? out : c.res;
    if (res.body === null) {
      leave();
      return out instanceof Response ? out : undefined;
    }
    c.res = new Response(trackedBody(res.body, leave), res);
    return c.res;
  };
}

// Passes `body` through and calls `done` once it ended, failed or was cancelled (the client left).
function trackedBody(
  body: ReadableStream<Uint8Array>,
  done: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: end, value } = await reader.read();
        if (end) {
          controller.close();
          done();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        controller.error(error);
        done();
      }
    },
    async cancel(reason) {
      done();
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
