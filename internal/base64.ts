// Standard padded base64, as etcd's JSON gateway and Consul's KV API carry keys and values.
import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";

const encoder = new TextEncoder();

/** Base64 of `data` (UTF-8 for text). */
export function toBase64(data: string | Uint8Array): string {
  return base64Encode(typeof data === "string" ? encoder.encode(data) : data, "std");
}

/** The bytes of base64 `data`; throws on characters outside the alphabet. */
export function fromBase64(data: string): Uint8Array {
  return base64Decode(data);
}
