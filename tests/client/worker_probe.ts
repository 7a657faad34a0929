// Bundled and run on workerd by runtime_test.ts: createClient inside a Cloudflare worker, over
// Connect and gRPC-Web (fetch), balanced over the direct:/// endpoint given as `UPSTREAM`.
import { createClient } from "../../transport/client/mod.ts";
import { Echo } from "./proto/gen/fixture/client/v1/echo_pb.ts";

export default {
  async fetch(request: Request, env: { UPSTREAM: string }): Promise<Response> {
    // The readiness check of the test harness: answered without calling upstream.
    if (new URL(request.url).pathname === "/ready") return new Response("ready");
    const results: Record<string, { servers: string[]; streamed: string[] }> = {};
    for (const protocol of ["connect", "grpc-web"] as const) {
      const client = createClient(Echo, { endpoint: env.UPSTREAM, protocol });
      const servers: string[] = [];
      for (let i = 0; i < 4; i++) servers.push((await client.get({ text: protocol })).server);
      const streamed: string[] = [];
      for await (const r of client.list({ text: "s", count: 2 })) streamed.push(r.text);
      await client.close();
      results[protocol] = { servers, streamed };
    }
    // Workers' fetch trusts only its own store: TLS options are refused, naming why.
    let tls = "accepted";
    try {
      createClient(Echo, {
        endpoint: "https://127.0.0.1:1",
        tls: { ca: "-----BEGIN CERTIFICATE-----" },
      });
    } catch (e) {
      tls = `${(e as { code?: string }).code}: ${(e as Error).message}`;
    }
    return Response.json({ ...results, tls });
  },
};
