// Plain routes a user adds on the server's Hono app (with or without server.route) drain like
// RPCs: counted in flight until their response body is written, refused once stop() began. The
// middleware is registered after the server's own routes, which count themselves, so it only
// runs for requests those routes did not answer.
import type { Context, Next } from "hono";
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

/** A Hono middleware counting user routes in `inflight` and refusing them while it drains. */
export function trackUserRoutes(
  inflight: InFlight,
): (c: Context, next: Next) => Promise<Response | void> {
  return async (c, next) => {
    if (inflight.draining) return drainingAnswer();
    inflight.enter();
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      inflight.leave();
    };
    try {
      await next();
    } catch (error) {
      leave();
      throw error;
    }
    const res = c.res;
    if (res.body === null) {
      leave();
      return;
    }
    c.res = new Response(trackedBody(res.body, leave), res);
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
