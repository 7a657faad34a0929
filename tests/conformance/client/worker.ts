// The client under test inside a Cloudflare worker (bundled for workerd by workerd.ts): each
// POST carries one ClientCompatRequest and is answered with its ClientCompatResponse, the
// calls made with createClient over the worker's fetch. TLS trust and the client certificate
// are workerd's outbound settings, as on Workers, so the clients get no `tls` option.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ClientCompatRequestSchema,
  ClientCompatResponseSchema,
} from "../gen/connectrpc/conformance/v1/client_compat_pb.ts";
import { ClientCache } from "./clients.ts";
import { runRequest } from "./run.ts";

const clients = new ClientCache({ platformTls: true });

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response("ready");
    const req = fromBinary(ClientCompatRequestSchema, new Uint8Array(await request.arrayBuffer()));
    const res = await runRequest(clients, req);
    return new Response(toBinary(ClientCompatResponseSchema, res), {
      headers: { "content-type": "application/octet-stream" },
    });
  },
};
