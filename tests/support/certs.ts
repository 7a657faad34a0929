// Throwaway TLS material for tests, made with openssl: a CA, a server certificate it signed for
// localhost and 127.0.0.1 (and names a test asks for; rustls refuses a CA used as the server's own certificate), and a
// client certificate from the same CA for mutual TLS.
import { run } from "./process.ts";

/** PEM text of a test CA and what it signed. */
export interface TestCertificates {
  /** The CA certificate. */
  readonly ca: string;
  /** Server certificate (localhost, 127.0.0.1). */
  readonly cert: string;
  /** Its key. */
  readonly key: string;
  /** Client certificate (CN=client, clientAuth). */
  readonly clientCert: string;
  /** Its key. */
  readonly clientKey: string;
}

/**
 * Makes a fresh CA, server and client certificate, valid for a day; the server certificate also
 * names `dnsNames` (a peer that verifies it against a service name, not the address).
 */
export async function testCertificates(
  dnsNames: readonly string[] = [],
): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "atreus-certs-" });
  try {
    const ssl = async (...args: string[]) => {
      const out = await run("openssl", args, { cwd: dir });
      if (out.code !== 0) throw new Error(`openssl ${args[0]} failed: ${out.stderr}`);
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await ssl(
      "req",
      "-x509",
      ...ec,
      "-days",
      "1",
      "-subj",
      "/CN=atreus test CA",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
    );
    const sign = async (name: string, subject: string, extensions: string) => {
      await ssl("req", ...ec, "-subj", subject, "-keyout", `${name}.key`, "-out", `${name}.csr`);
      await Deno.writeTextFile(`${dir}/${name}.cnf`, extensions);
      await ssl(
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        `${name}.cnf`,
        "-out",
        `${name}.pem`,
      );
    };
    await sign(
      "server",
      "/CN=localhost",
      "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=" +
        ["DNS:localhost", "IP:127.0.0.1", ...dnsNames.map((n) => `DNS:${n}`)].join(",") + "\n",
    );
    await sign("client", "/CN=client", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
    const read = (f: string) => Deno.readTextFile(`${dir}/${f}`);
    return {
      ca: await read("ca.pem"),
      cert: await read("server.pem"),
      key: await read("server.key"),
      clientCert: await read("client.pem"),
      clientKey: await read("client.key"),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
