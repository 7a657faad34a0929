// The services the bad-input corpus runs against on every runtime: helloworld's Greeter (unary
// and server stream) and the Connect conformance service for client and bidi streams, which
// answer with how many bytes they read so a test can tell the stream was consumed.
import type { ServiceImpl } from "@connectrpc/connect";
import { Greeter } from "../../../examples/helloworld/gen/helloworld/v1/greeter_pb.ts";
import { GreeterService } from "../../../examples/helloworld/internal/service/greeter.ts";
import { ConformanceService } from "../../conformance/gen/connectrpc/conformance/v1/service_pb.ts";
import type { ServiceRegistration } from "../../../transport/mod.ts";

/** The read limit every bad-input server runs with, so oversized cases stay small. */
export const READ_MAX_BYTES = 1024;

const streams: Partial<ServiceImpl<typeof ConformanceService>> = {
  async clientStream(requests) {
    let bytes = 0;
    for await (const r of requests) bytes += r.requestData.byteLength;
    return { payload: { data: new TextEncoder().encode(`read ${bytes}`) } };
  },
  async *bidiStream(requests) {
    for await (const r of requests) yield { payload: { data: r.requestData } };
  },
};

/** Greeter and the stream methods, as server registrations. */
export const services: readonly ServiceRegistration[] = [
  [Greeter, new GreeterService()],
  [ConformanceService, streams],
] as unknown as readonly ServiceRegistration[];
