// A throwaway self-signed certificate for 127.0.0.1, for the TLS (grpcs://) interop tests.
import { run } from "../../support/process.ts";

/** A certificate for 127.0.0.1 (it is its own CA), as PEM files and strings. */
export interface Certificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
  /** Removes the files. */
  remove(): Promise<void>;
}

/**
 * Makes a throwaway self-signed certificate with openssl, valid for 127.0.0.1 and `dnsNames`
 * (Kratos's gRPC discovery resolver verifies a TLS server against the service name).
 */
export async function selfSigned(dnsNames: readonly string[] = []): Promise<Certificate> {
  const dir = await Deno.makeTempDir({ prefix: "atreus-interop-tls-" });
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const out = await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    ["IP:127.0.0.1", ...dnsNames.map((n) => `DNS:${n}`)].join(",").replace(/^/, "subjectAltName="),
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ]);
  if (out.code !== 0) throw new Error(`openssl failed: ${out.stderr}`);
  return {
    certFile,
    keyFile,
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}
