// Throwaway TLS material for the TLS (grpcs://) interop tests, as the PEM files the Go peers load.
import { testCertificates } from "./certs.ts";

/** A server certificate for 127.0.0.1 and its CA, as PEM files and strings. */
export interface Certificate {
  /** The server certificate's file. */
  readonly certFile: string;
  /** Its key's file. */
  readonly keyFile: string;
  /** The CA certificate's file, for clients. */
  readonly caFile: string;
  /** The server certificate. */
  readonly cert: string;
  /** Its key. */
  readonly key: string;
  /** Removes the files. */
  remove(): Promise<void>;
}

/**
 * Makes a throwaway CA and a server certificate for 127.0.0.1 and `dnsNames` (Kratos's gRPC
 * discovery resolver verifies a TLS server against the service name), written to files.
 */
export async function serverCertificate(dnsNames: readonly string[] = []): Promise<Certificate> {
  const certs = await testCertificates(dnsNames);
  const dir = await Deno.makeTempDir({ prefix: "atreus-interop-tls-" });
  const file = async (name: string, pem: string) => {
    await Deno.writeTextFile(`${dir}/${name}`, pem);
    return `${dir}/${name}`;
  };
  return {
    certFile: await file("cert.pem", certs.cert),
    keyFile: await file("key.pem", certs.key),
    caFile: await file("ca.pem", certs.ca),
    cert: certs.cert,
    key: certs.key,
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}
