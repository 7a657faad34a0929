// The console's HTTP side: the page and its bundle (from the generated assets module, so it
// works offline and from JSR), the live state as SSE, the API view and "try a call". Guarded
// by an optional bearer token (header, or a cookie set from it), a Host check against DNS
// rebinding while bound to loopback, a JSON-only POST against cross-site forms, and a CSP that
// allows no inline script: the page builds its DOM from text, and the policy backs that up.
import { Hono } from "hono";
import { assets } from "./gen/assets.ts";
import { BadCallError, prepareCall, runCall } from "./call.ts";
import { message } from "./fleet.ts";
import type { Hub, HubEvent } from "./hub.ts";
import type { CallRequestBody } from "./protocol.ts";

/** Options of {@linkcode consoleApp}. */
export interface ConsoleAppOptions {
  /** Whether `/api/call` may call services. */
  readonly allowCalls: boolean;
  /** The bearer token, if the console is guarded. */
  readonly token?: string;
  /** Host header values accepted (undefined: any). */
  readonly allowedHosts?: ReadonlySet<string>;
  /** Largest deadline a call may ask for, in ms. */
  readonly maxTimeoutMs: number;
  /** SSE keep-alive comment interval, in ms. */
  readonly keepAliveMs: number;
  /** Aborts when the console stops: open event streams and calls end then. */
  readonly closing: AbortSignal;
}

const COOKIE = "atreus_console";
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

// Compares in time independent of where the strings differ.
function sameToken(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function cookieToken(header: string | null): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === COOKIE) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function asset(name: keyof typeof assets, status = 200): Response {
  const { type, body } = assets[name];
  return new Response(body, { status, headers: { "content-type": type } });
}

/** The console's Hono app over `hub`. */
export function consoleApp(hub: Hub, options: ConsoleAppOptions): Hono {
  const app = new Hono();
  const authorized = (req: Request): boolean => {
    if (options.token === undefined) return true;
    const header = req.headers.get("authorization");
    const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (bearer !== undefined && sameToken(bearer, options.token)) return true;
    const cookie = cookieToken(req.headers.get("cookie"));
    return cookie !== undefined && sameToken(cookie, options.token);
  };
  const login = (token: string) =>
    new Response(null, {
      status: 303,
      headers: {
        location: "/",
        "set-cookie": `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`,
      },
    });

  app.use("*", async (c, next) => {
    const host = c.req.header("host") ?? "";
    if (options.allowedHosts !== undefined && !options.allowedHosts.has(host.toLowerCase())) {
      return c.text(
        `unexpected Host ${JSON.stringify(host)}: open the console by the address it printed`,
        421,
      );
    }
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  });

  // The login form and its POST are the only things open without the token.
  app.post("/login", async (c) => {
    if (options.token === undefined) return c.redirect("/", 303);
    const form = await c.req.formData().catch(() => undefined);
    const token = form?.get("token");
    if (typeof token === "string" && sameToken(token, options.token)) return login(token);
    return asset("login.html", 401);
  });
  app.use("*", async (c, next) => {
    if (authorized(c.req.raw)) return await next();
    const url = new URL(c.req.url);
    const offered = url.searchParams.get("token");
    if (
      url.pathname === "/" && offered !== null && options.token !== undefined &&
      sameToken(offered, options.token)
    ) {
      return login(offered);
    }
    if (url.pathname === "/" || url.pathname === "/index.html") return asset("login.html", 401);
    if (url.pathname === "/app.css") return asset("app.css");
    return json(401, { error: "this console needs its token: Authorization: Bearer <token>" });
  });

  app.get("/", () => asset("index.html"));
  app.get("/app.js", () => asset("app.js"));
  app.get("/app.css", () => asset("app.css"));
  app.get("/healthz", (c) => c.json({ status: "SERVING" }));

  app.get("/api/state", () => json(200, hub.snapshot()));

  app.get("/api/events", (c) => {
    const encoder = new TextEncoder();
    let unsubscribe = () => {};
    let timer: ReturnType<typeof setInterval> | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (name: string, data: unknown) =>
          controller.enqueue(encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`));
        controller.enqueue(encoder.encode("retry: 1000\n\n"));
        send("snapshot", hub.snapshot());
        unsubscribe = hub.subscribe((event: HubEvent) => send(event.name, event.data));
        timer = setInterval(
          () => controller.enqueue(encoder.encode(": keep-alive\n\n")),
          options.keepAliveMs,
        );
        AbortSignal.any([c.req.raw.signal, options.closing]).addEventListener("abort", () => {
          unsubscribe();
          clearInterval(timer);
          try {
            controller.close();
          } catch {
            // already closed
          }
        }, { once: true });
      },
      cancel() {
        unsubscribe();
        clearInterval(timer);
      },
    });
    return new Response(stream, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "x-accel-buffering": "no" },
    });
  });

  app.get("/api/describe", async (c) => {
    const service = c.req.query("service") ?? "";
    const id = c.req.query("instance") ?? "";
    const instance = hub.instance(service, id);
    if (instance === undefined) {
      return json(404, { error: `no instance ${id} of ${service} in the registry` });
    }
    try {
      return json(200, await hub.describe(instance, c.req.query("refresh") === "1"));
    } catch (error) {
      return json(502, { error: `reflection of ${id} failed: ${message(error)}` });
    }
  });

  app.post("/api/call", async (c) => {
    if (!options.allowCalls) {
      return json(403, { error: "calls are disabled: start the console with --allow-calls" });
    }
    // A form from another site cannot send JSON without a preflight, which this never answers.
    if (!(c.req.header("content-type") ?? "").startsWith("application/json")) {
      return json(415, { error: "send the call as application/json" });
    }
    const origin = c.req.header("origin");
    if (origin !== undefined && new URL(origin).host !== c.req.header("host")) {
      return json(403, { error: `cross-origin call from ${origin} refused` });
    }
    let body: CallRequestBody;
    try {
      body = await c.req.json();
    } catch {
      return json(400, { error: "the body is not JSON" });
    }
    if (body === null || typeof body !== "object") {
      return json(400, { error: "the body must be an object" });
    }
    const instance = hub.instance(String(body.service), String(body.instance));
    if (instance === undefined) {
      return json(404, { error: `no instance ${body.instance} of ${body.service}` });
    }
    if (!instance.endpoints.includes(body.endpoint)) {
      return json(400, { error: `${body.endpoint} is not an endpoint of ${instance.id}` });
    }
    const scheme = new URL(body.endpoint).protocol.slice(0, -1);
    const wants = body.protocol === "grpc" ? ["grpc", "grpcs"] : ["http", "https"];
    if (!["grpc", "connect", "grpc-web"].includes(body.protocol) || !wants.includes(scheme)) {
      return json(400, {
        error: `protocol ${JSON.stringify(body.protocol)} cannot call ${body.endpoint}`,
      });
    }
    const timeoutMs = Number(body.timeoutMs);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > options.maxTimeoutMs) {
      return json(400, { error: `timeoutMs must be between 1 and ${options.maxTimeoutMs}` });
    }
    let prepared;
    try {
      const { reflected } = await hub.reflection(instance);
      prepared = prepareCall(reflected.registry, { ...body, timeoutMs });
    } catch (error) {
      const status = error instanceof BadCallError ? 400 : 502;
      return json(status, { error: message(error) });
    }
    const encoder = new TextEncoder();
    const signal = AbortSignal.any([c.req.raw.signal, options.closing]);
    const events = runCall(prepared, body.endpoint, body.protocol, timeoutMs, signal);
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await events.next();
        if (next.done) return controller.close();
        controller.enqueue(encoder.encode(JSON.stringify(next.value) + "\n"));
      },
      async cancel() {
        await events.return(undefined);
      },
    });
    return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
  });

  app.notFound(() => json(404, { error: "not found" }));
  return app;
}
