// RPC calls served ahead of Hono's dispatch. For a POST to an RPC path, Hono's router would find
// the RPC route's one handler (after the CORS middleware, which passes a non-preflight RPC call
// straight on), build a Context and, with CORS, compose the two. The RPC handler answers without
// calling `next()`, so routes and middleware added after it never run for that path: the answer
// depends only on the handlers registered before it. A path is served directly when none of
// those (the user's earlier routes, the probes) would match it — decided once, by Hono's own
// router over them — and the result is the one Hono's dispatch gives, errors included (the
// app's error handler answers them, with a Context built then).
import { Context, type ErrorHandler, type Hono } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import { executionContextOf } from "../adapter.ts";

/** An RPC path's handler: the request and the Workers env (what it read from Hono's Context). */
export type RpcHandler = (request: Request, env: unknown) => Response | Promise<Response>;

/** A handler served ahead of Hono, with the route record Hono holds for it. */
export interface DirectRoute {
  /** The RPC path's handler. */
  readonly handler: RpcHandler;
  /** The route Hono registered the handler as (for a Context built on error). */
  readonly route: Hono["routes"][number];
  /** What the route passed Hono (for a Context built on error). */
  readonly honoHandler: Hono["routes"][number]["handler"];
}

type RouteRecord = Hono["routes"][number];

/**
 * The RPC paths served directly: `rpc` are the RPC paths (as Hono registered them) with their
 * handlers and route records, `before` the routes registered ahead of the RPC routes whose
 * handlers might run before them (not the CORS middleware, which passes POSTs to RPC paths on).
 */
export function directRoutes(
  before: readonly RouteRecord[],
  rpc: readonly [string, RpcHandler, RouteRecord][],
): Map<string, DirectRoute> {
  const earlier = new TrieRouter<true>();
  for (const r of before) earlier.add(r.method, r.path, true);
  const direct = new Map<string, DirectRoute>();
  for (const [path, handler, route] of rpc) {
    if (before.length > 0 && earlier.match("POST", path)[0].length > 0) continue;
    direct.set(path, { handler, route, honoHandler: route.handler });
  }
  return direct;
}

/** Serves `request` with `direct`'s handler; a thrown error goes to `hono`'s error handler. */
export function serveDirect(
  hono: Hono,
  direct: DirectRoute,
  request: Request,
  env: unknown,
  executionCtx: unknown,
): Response | Promise<Response> {
  const fail = (error: unknown): Response | Promise<Response> => {
    // As Hono's dispatch: an Error goes to the app's error handler, anything else is rethrown.
    if (!(error instanceof Error)) throw error;
    const c = new Context(request, {
      path: hono.getPath(request, { env }),
      // One matched route without parameters, in the trie router's form.
      matchResult: [[[[direct.honoHandler, direct.route], {}]]] as never,
      env,
      executionCtx: executionContextOf(executionCtx),
    });
    // Public at run time (`app.onError` sets it), private in Hono's types.
    return (hono as unknown as { errorHandler: ErrorHandler }).errorHandler(error, c);
  };
  let out;
  try {
    out = direct.handler(request, env);
  } catch (error) {
    return fail(error);
  }
  return out instanceof Promise ? out.catch(fail) : out;
}
