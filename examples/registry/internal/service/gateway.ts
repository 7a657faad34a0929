// The Gateway service: the edge of the registry example. It owns no greeting logic; it asks a
// helloworld instance, picked per call from the registry's list, and says which one answered.
import { createContextValues, type ServiceImpl } from "@connectrpc/connect";
import { type Client, pickedNodeKey } from "../../../../transport/client/mod.ts";
import type { Greeter } from "../../../helloworld/gen/helloworld/v1/greeter_pb.ts";
import type { Gateway, GreetReply, GreetRequest } from "../../gen/gateway/v1/gateway_pb.ts";

/** Implements gateway.v1.Gateway over a helloworld Greeter client. */
export class GatewayService implements ServiceImpl<typeof Gateway> {
  readonly #greeter: Client<typeof Greeter>;

  /** A gateway calling helloworld through `greeter`. */
  constructor(greeter: Client<typeof Greeter>) {
    this.#greeter = greeter;
  }

  /** Greets through helloworld; its errors (e.g. USER_NOT_FOUND) reach the caller unchanged. */
  async greet(req: GreetRequest): Promise<Omit<GreetReply, "$typeName">> {
    const contextValues = createContextValues();
    const reply = await this.#greeter.sayHello({ name: req.name }, { contextValues });
    return { message: reply.message, backend: contextValues.get(pickedNodeKey)?.address ?? "" };
  }
}
