// Conversions between Atreus/Connect-ES call results and the suite's result messages.
import process from "node:process";
import { create, toBinary } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import {
  type ClientResponseResult,
  ClientResponseResultSchema,
} from "../gen/connectrpc/conformance/v1/client_compat_pb.ts";
import type { Code } from "../gen/connectrpc/conformance/v1/config_pb.ts";
import {
  type ConformancePayload,
  ConformancePayloadSchema,
  ErrorSchema,
  type Header,
  HeaderSchema,
} from "../gen/connectrpc/conformance/v1/service_pb.ts";

// ATREUS_CONFORMANCE_DEBUG=1 prints every call error, causes included, to stderr.
const debug = typeof process !== "undefined" && process.env.ATREUS_CONFORMANCE_DEBUG === "1";

/** The suite's header list from fetch `Headers` (one entry per name, values as received). */
export function toProtoHeaders(headers: Headers): Header[] {
  const out: Header[] = [];
  headers.forEach((value, name) => out.push(create(HeaderSchema, { name, value: [value] })));
  return out;
}

/** Request headers from the suite's header list (every value of a repeated name kept). */
export function fromProtoHeaders(headers: readonly Header[]): Headers {
  const out = new Headers();
  for (const h of headers) for (const v of h.value) out.append(h.name, v);
  return out;
}

/** What one call observed, filled in as the call goes. */
export class CallResult {
  /** Response headers, once received. */
  headers?: Headers;
  /** Response trailers, once received. */
  trailers?: Headers;
  /** Response messages' payloads, in order. */
  readonly payloads: ConformancePayload[] = [];
  /** The error the call ended with. */
  error?: ConnectError;
  /** Request messages never handed to the transport. */
  unsent = 0;

  /** Call options hooks that record headers and trailers. */
  readonly hooks = {
    onHeader: (h: Headers) => {
      this.headers = h;
    },
    onTrailer: (t: Headers) => {
      this.trailers = t;
    },
  };

  /** Records a response message's payload (an absent payload is an empty one). */
  payload(p: ConformancePayload | undefined): void {
    this.payloads.push(p ?? create(ConformancePayloadSchema));
  }

  /** Records the error that ended the call. */
  fail(e: unknown): void {
    this.error = ConnectError.from(e);
    if (debug) console.error("call failed:", e);
  }

  /** The suite's result message. */
  toProto(): ClientResponseResult {
    const e = this.error;
    // Connect-ES hands an error's trailers (and, for unary calls, its headers) over as the
    // error's metadata, not through onTrailer: they are the trailers the suite asks for.
    const trailers = this.trailers ?? e?.metadata;
    return create(ClientResponseResultSchema, {
      responseHeaders: this.headers ? toProtoHeaders(this.headers) : [],
      responseTrailers: trailers ? toProtoHeaders(trailers) : [],
      payloads: this.payloads,
      numUnsentRequests: this.unsent,
      error: e === undefined ? undefined : create(ErrorSchema, {
        // Connect's codes and the suite's enum share their numbers (1 canceled … 16 unauthenticated).
        code: e.code as number as Code,
        message: e.rawMessage,
        details: e.details.map((d) =>
          "desc" in d
            ? create(AnySchema, {
              typeUrl: `type.googleapis.com/${d.desc.typeName}`,
              value: toBinary(d.desc, create(d.desc, d.value)),
            })
            : create(AnySchema, { typeUrl: `type.googleapis.com/${d.type}`, value: d.value })
        ),
      }),
    });
  }
}
