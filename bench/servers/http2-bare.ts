// The ceiling for gRPC on a runtime's node:http2: a bare handler that answers every SayHello with
// a fixed, pre-encoded reply and OK trailers — no routing, no decoding, no context, nothing else.
import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { HelloReplySchema } from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { announce } from "./listen.ts";

const reply = encodeEnvelope(
  0,
  toBinary(HelloReplySchema, create(HelloReplySchema, { message: "Hello bench" })),
);
const server = http2.createServer();
server.on("stream", (stream: http2.ServerHttp2Stream) => {
  stream.on("data", () => {});
  stream.on("end", () => {
    // A client that stops (h2load at the end of its run) resets streams still in flight.
    if (stream.destroyed) return;
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, {
      waitForTrailers: true,
    });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(reply);
  });
  stream.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  announce(typeof addr === "object" && addr ? addr.port : 0);
});
