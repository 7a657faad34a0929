// Listen addresses and advertised endpoints, as Kratos's host.Extract: unspecified hosts become
// a real interface address, explicit ones are kept, malformed ones are named.
import assert from "node:assert/strict";
import {
  advertiseHost,
  createGrpcServer,
  createHttpServer,
  parseAddress,
} from "../../transport/mod.ts";

Deno.test("parseAddress reads every listen-address form and names bad ones", () => {
  assert.deepEqual(parseAddress(":8000"), { hostname: "0.0.0.0", port: 8000 });
  assert.deepEqual(parseAddress("8000"), { hostname: "0.0.0.0", port: 8000 });
  assert.deepEqual(parseAddress("127.0.0.1:0"), { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(parseAddress("[::1]:9000"), { hostname: "::1", port: 9000 });
  assert.deepEqual(parseAddress("localhost:1"), { hostname: "localhost", port: 1 });
  for (const bad of ["", "host", "host:", ":70000", "::1:80", "[::1]9000", "h:x"]) {
    assert.throws(() => parseAddress(bad), /invalid listen address/, bad);
  }
});

Deno.test("unspecified hosts advertise a real, non-loopback interface address when there is one", () => {
  const interfaces = Deno.networkInterfaces().filter((i) =>
    i.family === "IPv4" && !i.address.startsWith("127.") && !i.address.startsWith("169.254.")
  );
  for (const host of ["0.0.0.0", "::", ""]) {
    const advertised = advertiseHost(host);
    if (interfaces.length > 0) {
      assert.ok(interfaces.some((i) => i.address === advertised), `${host} → ${advertised}`);
    } else {
      assert.equal(advertised, "127.0.0.1");
    }
  }
  assert.equal(advertiseHost("10.1.2.3"), "10.1.2.3");
});

Deno.test("endpoints: port 0 is known only after start; explicit endpoints win", async () => {
  const http = createHttpServer({ address: "127.0.0.1:0" });
  assert.throws(() => http.endpoint(), /known only after start/);
  await http.start();
  try {
    assert.match(http.endpoint().href, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.notEqual(http.endpoint().port, "0");
  } finally {
    await http.stop();
  }
  assert.equal(createHttpServer({ address: ":8000" }).endpoint().port, "8000");
  assert.equal(
    createGrpcServer({ address: ":9000", endpoint: "grpc://svc.internal:9000" }).endpoint().href,
    "grpc://svc.internal:9000",
  );
});
