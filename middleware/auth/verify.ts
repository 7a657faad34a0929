// Turning a bearer token into claims or a typed 401: JWT verification with jose against a
// shared secret, a key, or a remote JWKS, or a verify function of the application's own; and a
// bounded cache of verdicts, so a client that reuses its token pays for one signature check.
import type { JWTPayload, jwtVerify } from "jose";
import { AtreusError, internal, serviceUnavailable, unauthorized } from "../../errors/mod.ts";
import { lazy } from "../../internal/lazy.ts";
import { nonNegative, nonNegativeInt } from "../../internal/options.ts";
import type { CallRequest } from "../../internal/contract.ts";

// Loaded by the first token to verify, so a server that never checks one never loads jose.
const jose = /* @__PURE__ */ lazy(() => import("jose"));

/** Registered JWT claims, plus any others the token carries. */
export interface Claims {
  /** Issuer. */
  readonly iss?: string;
  /** Subject. */
  readonly sub?: string;
  /** Audience. */
  readonly aud?: string | readonly string[];
  /** Expiry, seconds since the epoch. */
  readonly exp?: number;
  /** Not before, seconds since the epoch. */
  readonly nbf?: number;
  /** Issued at, seconds since the epoch. */
  readonly iat?: number;
  /** Token id. */
  readonly jti?: string;
  /** Other claims. */
  readonly [claim: string]: unknown;
}

/** Verifies a token in the application's own way: returns its claims, or throws. */
export type VerifyFunction = (token: string, req: CallRequest) => Claims | Promise<Claims>;

/** How tokens are verified. */
export type Verifier =
  | { readonly secret: string | Uint8Array }
  | { readonly key: CryptoKey | JsonWebKey }
  | {
    readonly jwks: string | URL;
    /** Wait for the key set at most this long (default 5000 ms). */
    readonly timeoutMs?: number;
    /** Least time between refetches when a token names an unknown key (default 30 000 ms). */
    readonly cooldownMs?: number;
    /** Refetch the key set when it is older than this (default 600 000 ms). */
    readonly cacheMaxAgeMs?: number;
  }
  | VerifyFunction;

/** The `ErrorInfo` reason when no bearer token came. */
export const TOKEN_MISSING = "TOKEN_MISSING";
/** The `ErrorInfo` reason of a token that is malformed, badly signed or has the wrong claims. */
export const TOKEN_INVALID = "TOKEN_INVALID";
/** The `ErrorInfo` reason of a token past its `exp`. */
export const TOKEN_EXPIRED = "TOKEN_EXPIRED";
/** The `ErrorInfo` reason when a remote key set cannot be fetched (Unavailable, not 401). */
export const JWKS_UNAVAILABLE = "JWKS_UNAVAILABLE";

/** Claim checks applied to JWTs verified with `secret`, `key` or `jwks`. */
export interface ClaimChecks {
  /** Accepted `alg` values (default `["HS256"]` for a secret, as Kratos; any the key fits otherwise). */
  readonly algorithms?: readonly string[];
  /** Required issuer(s). */
  readonly issuer?: string | readonly string[];
  /** Required audience(s): the token's `aud` must hold one of them. */
  readonly audience?: string | readonly string[];
  /** Claims that must be present, e.g. `["exp", "sub"]`. */
  readonly requiredClaims?: readonly string[];
  /** Leeway for `exp` and `nbf`, in ms (default 0). */
  readonly clockToleranceMs?: number;
}

/** What `createVerifier` needs. */
export interface VerifierOptions extends ClaimChecks {
  /** The verifier. */
  readonly verify: Verifier;
  /** Replaces every 401 reason (e.g. `"UNAUTHORIZED"`, which Go Kratos's jwt middleware uses). */
  readonly reason?: string;
  /** Verified tokens kept (default 1024; 0 turns the cache off). */
  readonly cacheSize?: number;
  /** Longest a verdict is reused, in ms, even for a token that expires later (default 60 000). */
  readonly cacheTtlMs?: number;
  /** Clock in ms (default `Date.now`) for `exp`/`nbf` and the cache, injectable for tests. */
  readonly now?: () => number;
}

/** Verifies a token: resolves to frozen claims or rejects with an `AtreusError`. */
export type TokenVerifier = (token: string, req: CallRequest) => Promise<Claims>;

/** A verifier that answers a remembered token at once, without a promise. */
export type CachedVerifier = (token: string, req: CallRequest) => Claims | Promise<Claims>;

/** Builds a verifier, checking the options now so misconfiguration fails at start. */
export function createVerifier(options: VerifierOptions): CachedVerifier {
  const now = options.now ?? Date.now;
  const fail = (reason: string, message: string, cause?: unknown) =>
    unauthorized(options.reason ?? reason, message).withCause(cause);
  const verify = options.verify;
  const verifyToken = typeof verify === "function"
    ? custom(verify, fail)
    : jwt(verify, options, now, fail);
  const size = options.cacheSize ?? 1024;
  const ttl = options.cacheTtlMs ?? 60_000;
  nonNegativeInt("auth.server", "cacheSize", size);
  nonNegative("auth.server", "cacheTtlMs", ttl);
  if (size === 0 || ttl === 0) return verifyToken;
  const tolerance = options.clockToleranceMs ?? 0;
  const cache = new Map<string, { claims: Claims; until: number }>();
  const remember = (token: string, claims: Claims, t: number): Claims => {
    let until = t + ttl;
    // A cached verdict must not outlive the token, nor be reused before its nbf.
    if (typeof claims.exp === "number") until = Math.min(until, claims.exp * 1000 + tolerance);
    if (typeof claims.nbf === "number" && claims.nbf * 1000 - tolerance > t) return claims;
    if (until > t) {
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
      cache.set(token, { claims, until });
    }
    return claims;
  };
  return (token, req) => {
    const hit = cache.get(token);
    const t = now();
    if (hit !== undefined) {
      if (t < hit.until) return hit.claims;
      cache.delete(token);
    }
    return verifyToken(token, req).then((claims) => remember(token, claims, t));
  };
}

type Fail = (reason: string, message: string, cause?: unknown) => AtreusError;

function custom(fn: VerifyFunction, fail: Fail): TokenVerifier {
  return async (token, req) => {
    let claims: Claims;
    try {
      claims = await fn(token, req);
    } catch (error) {
      // An AtreusError is the application's answer (say, 403 or an expiry of its own).
      if (error instanceof AtreusError) throw error;
      throw fail(TOKEN_INVALID, "token rejected by the verifier", error);
    }
    if (typeof claims !== "object" || claims === null) {
      throw fail(TOKEN_INVALID, "token rejected by the verifier");
    }
    return Object.freeze(claims);
  };
}

type Key = Parameters<typeof jwtVerify>[1];

function jwt(
  verify: Exclude<Verifier, VerifyFunction>,
  checks: ClaimChecks,
  now: () => number,
  fail: Fail,
): TokenVerifier {
  let key: Key | (() => Promise<Key>);
  let remote = false;
  let algorithms = checks.algorithms === undefined ? undefined : [...checks.algorithms];
  if ("secret" in verify) {
    key = hmacKeys(verify.secret);
    algorithms ??= ["HS256"];
  } else if ("key" in verify) {
    key = publicKey(verify.key);
  } else if ("jwks" in verify) {
    const url = jwksUrl(verify.jwks);
    let keySet: Promise<Key> | undefined;
    // Built once jose is loaded; the key set then caches and refreshes the keys itself.
    key = () =>
      keySet ??= jose().then((j) =>
        j.createRemoteJWKSet(url, {
          timeoutDuration: verify.timeoutMs ?? 5_000,
          cooldownDuration: verify.cooldownMs ?? 30_000,
          cacheMaxAge: verify.cacheMaxAgeMs ?? 600_000,
        })
      );
    remote = true;
  } else {
    throw new TypeError(
      "auth.server: verify must be { secret }, { key }, { jwks } or a function (token, req) => claims",
    );
  }
  // jose takes the tolerance in seconds.
  const tolerance = nonNegative("auth.server", "clockToleranceMs", checks.clockToleranceMs ?? 0) /
    1000;
  const base = {
    algorithms,
    issuer: checks.issuer === undefined ? undefined : list(checks.issuer),
    audience: checks.audience === undefined ? undefined : list(checks.audience),
    requiredClaims: checks.requiredClaims === undefined ? undefined : [...checks.requiredClaims],
    clockTolerance: tolerance,
  };
  const keyOf = remote ? key as () => Promise<Key> : undefined;
  return async (token) => {
    try {
      const j = await jose();
      const k = keyOf === undefined ? key as Key : await keyOf();
      const { payload } = await j.jwtVerify(token, k, { ...base, currentDate: new Date(now()) });
      return Object.freeze(payload as JWTPayload & Claims);
    } catch (error) {
      throw classify(error, remote, fail);
    }
  };
}

// jose's error codes that mean the token itself is at fault.
const tokenFaults: Readonly<Record<string, string>> = {
  ERR_JWS_INVALID: "malformed token",
  ERR_JWT_INVALID: "malformed token",
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: "token signature is invalid",
  ERR_JOSE_ALG_NOT_ALLOWED: "token signing algorithm is not allowed",
  ERR_JOSE_NOT_SUPPORTED: "token uses an unsupported algorithm or feature",
  ERR_JWKS_NO_MATCHING_KEY: "no known key matches the token",
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: "the token matches several keys; it needs a kid",
};

function classify(error: unknown, remote: boolean, fail: Fail): AtreusError {
  if (error instanceof AtreusError) return error;
  const code = (error as { code?: unknown })?.code;
  if (code === "ERR_JWT_EXPIRED") return fail(TOKEN_EXPIRED, "token expired", error);
  if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") {
    const claim = (error as { claim?: string }).claim;
    const message = claim === "nbf"
      ? "token is not valid yet (nbf)"
      : `token rejected: ${(error as Error).message}`;
    return fail(TOKEN_INVALID, message, error);
  }
  if (typeof code === "string" && code in tokenFaults) {
    return fail(TOKEN_INVALID, tokenFaults[code], error);
  }
  // With a remote key set, anything else is the key server's trouble (timeout, refused
  // connection, a non-200 or non-JSON answer): retryable, and no fault of the caller's.
  if (remote) {
    return serviceUnavailable(JWKS_UNAVAILABLE, "the token signing keys cannot be fetched")
      .withCause(error);
  }
  return fail(TOKEN_INVALID, "token cannot be verified", error);
}

function list(v: string | readonly string[]): string | string[] {
  return typeof v === "string" ? v : [...v];
}

function jwksUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`auth.server: jwks must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new TypeError(`auth.server: jwks must be an http(s) URL, got ${parsed.href}`);
  }
  return parsed;
}

const hmacHashes: Readonly<Record<string, string>> = {
  HS256: "SHA-256",
  HS384: "SHA-384",
  HS512: "SHA-512",
};

// An HMAC secret imported once per algorithm instead of on every verification.
function hmacKeys(secret: string | Uint8Array): Key {
  const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new TypeError("auth.server: secret must be a non-empty string or Uint8Array");
  }
  const keys = new Map<string, Promise<CryptoKey>>();
  return ((header: { alg?: string }) => {
    const hash = hmacHashes[header.alg ?? ""];
    if (hash === undefined) throw new TypeError(`${header.alg} is not an HMAC algorithm`);
    let key = keys.get(hash);
    if (key === undefined) {
      key = crypto.subtle.importKey("raw", bytes as BufferSource, { name: "HMAC", hash }, false, [
        "verify",
      ]);
      keys.set(hash, key);
    }
    return key;
  }) as Key;
}

function publicKey(key: CryptoKey | JsonWebKey): Key {
  if (typeof CryptoKey !== "undefined" && key instanceof CryptoKey) return key;
  const jwk = key as JsonWebKey;
  if (typeof jwk?.kty !== "string") {
    throw new TypeError("auth.server: key must be a CryptoKey or a JWK object with a kty");
  }
  let imported: Promise<CryptoKey | Uint8Array> | undefined;
  return ((header: { alg?: string }) => {
    imported ??= jose().then((j) =>
      j.importJWK(jwk as Parameters<typeof j.importJWK>[0], jwk.alg ?? header.alg)
    ).catch(
      (error) => {
        imported = undefined;
        throw internal("AUTH_KEY_INVALID", "the token verification key cannot be imported")
          .withCause(error);
      },
    );
    return imported;
  }) as Key;
}
