// The Greeter service: the DTO ↔ domain layer of the Kratos layout, in Connect-ES style.
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  errorGreetingRefused,
  errorUserNotFound,
} from "../../gen/helloworld/v1/error_reason_errors.ts";
import type {
  Greeter,
  HelloReply,
  HelloRequest,
  HelloStreamRequest,
} from "../../gen/helloworld/v1/greeter_pb.ts";

type Reply = Omit<HelloReply, "$typeName">;

/** Implements helloworld.v1.Greeter. */
export class GreeterService implements ServiceImpl<typeof Greeter> {
  /** Answers `Hello <name>`; errors come from the ErrorReason enum of the proto. */
  sayHello(req: HelloRequest): Reply {
    if (req.name === "") throw errorGreetingRefused("name must not be empty");
    if (req.name === "nobody") {
      throw errorUserNotFound(`user ${req.name} not found`, { name: req.name });
    }
    return { message: `Hello ${req.name}` };
  }

  /** Streams `count` greetings, `intervalMs` apart. */
  async *sayHelloStream(req: HelloStreamRequest, ctx: HandlerContext): AsyncGenerator<Reply> {
    const count = req.count === 0 ? 1 : req.count;
    if (count < 0 || count > 100) {
      throw new ConnectError(
        `count must be between 1 and 100, got ${req.count}`,
        Code.InvalidArgument,
      );
    }
    if (req.intervalMs < 0 || req.intervalMs > 10_000) {
      throw new ConnectError(
        `interval_ms must be between 0 and 10000, got ${req.intervalMs}`,
        Code.InvalidArgument,
      );
    }
    for (let i = 1; i <= count; i++) {
      if (i > 1 && req.intervalMs > 0) await sleep(req.intervalMs, ctx.signal);
      yield { message: `Hello ${req.name} (${i}/${count})` };
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
