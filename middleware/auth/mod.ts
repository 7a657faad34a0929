/**
 * Authentication middleware for Bearer JWTs on jose: `auth.server({ verify })` checks the
 * token of each call (a key, a JWKS URL or a function of your own) and puts its claims in the
 * request context (`auth.claims()`); `auth.client({ token })` sends one.
 *
 * @example
 * ```ts
 * import { auth } from "@atreus/atreus/middleware/auth";
 * const server = auth.server({ verify: { jwks: "https://issuer.example/.well-known/jwks.json" } });
 * const client = auth.client({ token: "a-token-from-your-issuer" });
 * ```
 * @module
 */
/** Authentication middleware: `auth.server({ verify })`, `auth.client({ token })`, `auth.claims()`. */
export * as auth from "./auth.ts";
export type {
  AuthClientOptions,
  AuthServerOptions,
  ClaimChecks,
  Claims,
  Verifier,
  VerifyFunction,
} from "./auth.ts";
