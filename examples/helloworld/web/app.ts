// Browser client: calls helloworld over Connect and gRPC-Web with @connectrpc/connect-web.
// `?api=<origin>` points it at a server on another origin (CORS).
import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { Greeter } from "../gen/helloworld/v1/greeter_pb.ts";

const base = new URLSearchParams(location.search).get("api") ?? location.origin;
const name = new URLSearchParams(location.search).get("name") ?? "browser";

async function show(id: string, call: () => Promise<string>): Promise<void> {
  const out = document.getElementById(id)!;
  try {
    out.textContent = await call();
  } catch (error) {
    out.textContent = `error: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function unary(transport: Transport) {
  return async () => (await createClient(Greeter, transport).sayHello({ name })).message;
}

await show("connect", unary(createConnectTransport({ baseUrl: base })));
await show("grpc-web", unary(createGrpcWebTransport({ baseUrl: base })));
await show("connect-stream", async () => {
  const client = createClient(Greeter, createConnectTransport({ baseUrl: base }));
  const got: string[] = [];
  for await (const reply of client.sayHelloStream({ name, count: 2 })) got.push(reply.message);
  return got.join(" | ");
});
document.body.dataset.done = "true";
