// The production chain's credentials: a random secret the servers are given in BENCH_JWT_SECRET
// and one token signed with it, sent on every request (auth's verdict cache remembers it).
import { SignJWT } from "jose";

/** A fresh secret and an HS256 token for it, valid for two hours. */
export async function benchCredentials(): Promise<{ secret: string; token: string }> {
  const secret = crypto.randomUUID() + crypto.randomUUID();
  const token = await new SignJWT({ sub: "bench" })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(secret));
  return { secret, token };
}
