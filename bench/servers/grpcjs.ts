// Baseline: an @grpc/grpc-js server with the same proto (serializers from protobuf-es).
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  Greeter,
  HelloReplySchema,
  HelloRequestSchema,
} from "../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { announce } from "./listen.ts";

const method = Greeter.method.sayHello;
const server = new grpc.Server();
server.addService({
  sayHello: {
    path: `/${Greeter.typeName}/${method.name}`,
    requestStream: false,
    responseStream: false,
    requestDeserialize: (b: Buffer) => fromBinary(HelloRequestSchema, b),
    responseSerialize: (m: unknown) => Buffer.from(toBinary(HelloReplySchema, m as never)),
  } as grpc.MethodDefinition<unknown, unknown>,
}, {
  sayHello: (
    call: grpc.ServerUnaryCall<{ name: string }, unknown>,
    cb: grpc.sendUnaryData<unknown>,
  ) => cb(null, create(HelloReplySchema, { message: `Hello ${call.request.name}` })),
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  announce(port);
});
