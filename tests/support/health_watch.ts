// A grpc-js Health.Watch stream read one message at a time, each wait bounded.
import { Health } from "../../internal/gen/grpc/health/v1/health_pb.ts";
import { grpc, grpcJsClient } from "./clients.ts";

/** An open watch. */
export interface Watch {
  /** The next status (the wire enum number); rejects if the stream ends or 10 s pass. */
  next(): Promise<number>;
  /** The final status of the stream. */
  status(): Promise<grpc.StatusObject>;
  /** Cancels the call. */
  cancel(): void;
  /** Closes the channel. */
  close(): void;
}

/** Watches `service` on the gRPC server at `address` (host:port). */
export function openWatch(address: string, service: string): Watch {
  const client = grpcJsClient(Health, address);
  const call = (client as unknown as Record<string, (...a: unknown[]) => unknown>).watch(
    { service },
    new grpc.Metadata(),
    { deadline: Date.now() + 30_000 },
  ) as grpc.ClientReadableStream<{ status: number }>;
  const queue: number[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
  call.on("data", (m: { status: number }) => (queue.push(m.status), wake?.()));
  call.on("error", () => {}); // the status carries it
  void status.then(() => ((done = true), wake?.()));
  return {
    async next() {
      const deadline = AbortSignal.timeout(10_000);
      while (queue.length === 0) {
        if (done) throw new Error(`the watch ended: ${JSON.stringify(await status)}`);
        if (deadline.aborted) throw new Error("no health status within 10 s");
        await new Promise<void>((r) => {
          wake = r;
          deadline.addEventListener("abort", () => r(), { once: true });
        });
      }
      return queue.shift()!;
    },
    status: () => status,
    cancel: () => call.cancel(),
    close: () => client.close(),
  };
}
