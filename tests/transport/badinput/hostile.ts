// A hostile server for the client side of the corpus: answers SayHelloStream over Connect and
// gRPC-Web with the broken stream named by the request (see client_script.ts).
import { concatBytes } from "../../../internal/bytes.ts";
import { fromBinary } from "@bufbuild/protobuf";
import {
  HelloReplySchema,
  HelloStreamRequestSchema,
} from "../../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { create, toBinary } from "@bufbuild/protobuf";
import { grpcFrame } from "../../support/h2.ts";

const text = (s: string) => new TextEncoder().encode(s);
const reply = (message: string) =>
  toBinary(HelloReplySchema, create(HelloReplySchema, { message }));

function connectBody(name: string): Uint8Array {
  const first = grpcFrame(reply("first"));
  switch (name) {
    case "end-not-json":
      return cat(first, grpcFrame(text("{nope"), 0x02));
    case "end-not-object":
      return cat(first, grpcFrame(text('"error"'), 0x02));
    case "cut-envelope":
      return cat(first, grpcFrame(reply("cut")).subarray(0, 6));
    case "oversized-envelope":
      return cat(first, oversized());
    case "compressed-without-encoding":
      return cat(first, grpcFrame(reply("z"), 0x01));
    case "not-protobuf":
      return cat(first, grpcFrame(new Uint8Array([0x0a, 0x7f, 0x01])));
    case "trailer-garbage":
      return cat(first, grpcFrame(text("\u0000\u0001 not json at all"), 0x02));
    default:
      return cat(first, grpcFrame(text("{}"), 0x02));
  }
}

function grpcWebBody(name: string): Uint8Array {
  const first = grpcFrame(reply("first"));
  const ok = grpcFrame(text("grpc-status: 0\r\n"), 0x80);
  switch (name) {
    case "end-not-json":
    case "end-not-object":
    case "trailer-garbage":
      return cat(first, grpcFrame(text("\u0000\u0001no colon here"), 0x80));
    case "cut-envelope":
      return cat(first, grpcFrame(reply("cut")).subarray(0, 6));
    case "oversized-envelope":
      return cat(first, oversized());
    case "compressed-without-encoding":
      return cat(first, grpcFrame(reply("z"), 0x01), ok);
    case "not-protobuf":
      return cat(first, grpcFrame(new Uint8Array([0x0a, 0x7f, 0x01])), ok);
    default:
      return cat(first, ok);
  }
}

// 5 bytes declaring 64 MiB, more than a client reads by default, then EOF.
function oversized(): Uint8Array {
  const head = new Uint8Array(5);
  new DataView(head.buffer).setUint32(1, 64 * 1024 * 1024);
  return head;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** Starts the hostile server on a free loopback port. */
export function startHostile(): { base: string; close(): Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const type = req.headers.get("content-type") ?? "";
    const body = new Uint8Array(await req.arrayBuffer());
    const name = fromBinary(HelloStreamRequestSchema, body.subarray(5)).name;
    const grpcWeb = type.startsWith("application/grpc-web");
    return new Response(
      (grpcWeb ? grpcWebBody(name) : connectBody(name)) as Uint8Array<ArrayBuffer>,
      {
        headers: {
          "content-type": grpcWeb ? "application/grpc-web+proto" : "application/connect+proto",
        },
      },
    );
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}
