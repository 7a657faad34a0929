// Bearer-token authentication in the shape of Kratos's jwt middleware: the server verifies
// `authorization: Bearer <jwt>` and puts the claims in the request context; the client
// attaches a token. Failures are typed 401s whose reason tells the caller what to do.
import { unauthorized } from "../../errors/mod.ts";
import { createContextKey, getValue } from "../../internal/context.ts";
import type {
  CallRequest,
  ContextKey,
  ContextValues,
  Middleware,
} from "../../internal/contract.ts";
import {
  type ClaimChecks,
  type Claims,
  createVerifier,
  TOKEN_MISSING,
  type Verifier,
} from "./verify.ts";

export {
  type ClaimChecks,
  type Claims,
  JWKS_UNAVAILABLE,
  TOKEN_EXPIRED,
  TOKEN_INVALID,
  TOKEN_MISSING,
  type Verifier,
  type VerifyFunction,
} from "./verify.ts";

/** Options of `auth.server()`. */
export interface AuthServerOptions extends ClaimChecks {
  /**
   * How tokens are verified: `{ secret }` (HMAC, HS256 unless `algorithms` says otherwise),
   * `{ key }` (a `CryptoKey` or a JWK, e.g. an RSA or EC public key), `{ jwks: url }` (a remote
   * JSON Web Key Set, fetched and cached by jose's `createRemoteJWKSet`), or a function
   * `(token, req) => claims` for anything else (opaque tokens, introspection).
   */
  readonly verify: Verifier;
  /**
   * One reason for every 401 instead of `TOKEN_MISSING`/`TOKEN_INVALID`/`TOKEN_EXPIRED`:
   * `"UNAUTHORIZED"` answers exactly like Go Kratos's jwt middleware.
   */
  readonly reason?: string;
  /** Verified tokens remembered, so a reused token is checked once (default 1024; 0: none). */
  readonly cacheSize?: number;
  /** Longest a remembered verdict is reused, in ms, even if the token lives longer (default 60 000). */
  readonly cacheTtlMs?: number;
  /** Clock in ms (default `Date.now`), injectable for tests. */
  readonly now?: () => number;
}

/** Options of `auth.client()`. */
export interface AuthClientOptions {
  /**
   * The token: a fixed string, or a function called per call (cache and refresh tokens in it;
   * it may be async and may look at the request, e.g. for per-audience tokens).
   */
  readonly token: string | ((req: CallRequest) => string | Promise<string>);
}

/**
 * Context key of the verified claims (`ctx.values.get(auth.claimsKey)` in a handler; or
 * `auth.claims()`).
 */
export const claimsKey: ContextKey<Claims | undefined> = createContextKey<Claims | undefined>(
  undefined,
  { description: "atreus auth claims" },
);

/** The claims of the call being served (from `values`, or the request context), if verified. */
export function claims<T extends Claims = Claims>(values?: ContextValues): T | undefined {
  return (values === undefined ? getValue(claimsKey) : values.get(claimsKey)) as T | undefined;
}

// "Bearer" in any case, then the token (RFC 6750's b64token characters).
const bearer = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Server middleware: requires `authorization: Bearer <token>`, verifies it (signature, `alg`,
 * `exp`, `nbf`, and the `issuer`/`audience`/`requiredClaims` given) and stores the claims for
 * `auth.claims()`. Failures are 401 Unauthenticated: reason `TOKEN_MISSING` (no or non-Bearer
 * header), `TOKEN_EXPIRED`, or `TOKEN_INVALID` (malformed, bad signature, wrong issuer or
 * audience, not yet valid), each with a message saying which; a JWKS that cannot be fetched is
 * 503 `JWKS_UNAVAILABLE`. Go Kratos uses reason `UNAUTHORIZED` for all of them; set
 * `reason: "UNAUTHORIZED"` where its clients must match.
 *
 * Public operations skip it through `selector`:
 * `selector(auth.server({ verify })).match((op) => !publicOps.has(op)).build()`.
 */
export function server(options: AuthServerOptions): Middleware {
  if (typeof options !== "object" || options === null || options.verify === undefined) {
    throw new TypeError("auth.server: options.verify is required");
  }
  const verify = createVerifier(options);
  const missing = (message: string) => unauthorized(options.reason ?? TOKEN_MISSING, message);
  // The last header that held a bearer token, and its token: clients send the same header call
  // after call, and an equal string compares faster than the pattern scans it. The token then
  // is the same string object every time, whose hash the verdict cache has already computed.
  let lastHeader = "";
  let lastToken = "";
  return (next) => (req) => {
    const header = req.header.get("authorization");
    if (header === null || header === "") {
      return Promise.reject(missing("missing bearer token: send authorization: Bearer <token>"));
    }
    let token = lastToken;
    if (header !== lastHeader) {
      const m = bearer.exec(header);
      if (m === null) {
        return Promise.reject(
          missing("authorization header is not a bearer token: send Bearer <token>"),
        );
      }
      token = m[1];
      lastHeader = header;
      lastToken = token;
    }
    // A remembered token is answered synchronously: no promise turn on the common path.
    const verified = verify(token, req);
    if (verified instanceof Promise) {
      return verified.then((c) => {
        req.contextValues.set(claimsKey, c);
        return next(req);
      });
    }
    req.contextValues.set(claimsKey, verified);
    return next(req);
  };
}

/**
 * Client middleware: sends `authorization: Bearer <token>` unless the call already sets an
 * authorization header. An empty token fails the call locally with `TOKEN_MISSING`.
 */
export function client(options: AuthClientOptions): Middleware {
  const token = options?.token;
  if (typeof token === "string") {
    if (token === "") throw new TypeError("auth.client: token must not be empty");
    const value = `Bearer ${token}`;
    return (next) => (req) => {
      if (!req.header.has("authorization")) req.header.set("authorization", value);
      return next(req);
    };
  }
  if (typeof token !== "function") {
    throw new TypeError("auth.client: token must be a string or a function returning one");
  }
  return (next) => async (req) => {
    if (!req.header.has("authorization")) {
      const t = await token(req);
      if (typeof t !== "string" || t === "") {
        throw unauthorized(TOKEN_MISSING, "auth.client: the token provider returned no token");
      }
      req.header.set("authorization", `Bearer ${t}`);
    }
    return await next(req);
  };
}
