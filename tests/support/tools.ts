// Paths of the command-line tools the tests drive (installed by tools/setup.sh).
import { fromFileUrl } from "./paths.ts";

/** Repository root. */
export const root: string = fromFileUrl(new URL("../../", import.meta.url));
const bin = (name: string) => `${root}tools/node_modules/.bin/${name}`;

/** buf CLI (buf curl, buf generate). */
export const BUF: string = bin("buf");
/** Node 24 from npm. */
export const NODE: string = bin("node");
/**
 * Where Node keeps compiled modules between processes (`NODE_COMPILE_CACHE`): without it each
 * Node process strips the types of every module again, which under load can outlast a peer's
 * start-up timeout. Node keys entries by content, so a stale cache is only a miss.
 */
export const NODE_COMPILE_CACHE: string = `${
  Deno.env.get("TMPDIR") ?? "/tmp"
}/atreus-node-compile-cache`;
/** Bun from npm. */
export const BUN: string = bin("bun");
/** workerd from npm. */
export const WORKERD: string = bin("workerd");
/** The helloworld proto module, for `buf curl --schema`. */
export const HELLO_PROTO: string = `${root}examples/helloworld`;
