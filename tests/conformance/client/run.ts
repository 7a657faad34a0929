// One ClientCompatRequest to its ClientCompatResponse, shared by the stdio client (main.ts) and
// the worker (worker.ts).
import { create } from "@bufbuild/protobuf";
import {
  type ClientCompatRequest,
  type ClientCompatResponse,
  ClientCompatResponseSchema,
} from "../gen/connectrpc/conformance/v1/client_compat_pb.ts";
import type { ClientCache } from "./clients.ts";
import { invoke } from "./invoke.ts";

/** Runs `req`; what keeps it from being tried at all is the runner's `error` result. */
export async function runRequest(
  clients: ClientCache,
  req: ClientCompatRequest,
): Promise<ClientCompatResponse> {
  try {
    const lease = clients.lease(req);
    let result;
    try {
      result = await invoke(lease.client, req);
    } finally {
      await lease.release();
    }
    return create(ClientCompatResponseSchema, {
      testName: req.testName,
      result: { case: "response", value: result.toProto() },
    });
  } catch (e) {
    return create(ClientCompatResponseSchema, {
      testName: req.testName,
      result: {
        case: "error",
        value: { message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) },
      },
    });
  }
}
