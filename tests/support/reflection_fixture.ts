// The shop fixture: built from tests/reflection/fixture with `buf build` at test time, so its
// descriptors come from a runtime registry (no generated code), with imports of well-known
// types and of a sibling file, nested types and extensions for reflection to find.
import { createFileRegistry, type DescService, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceRegistration } from "../../transport/mod.ts";
import { run } from "./process.ts";
import { BUF, root } from "./tools.ts";

/** The `fixture.shop.v1.Shop` service descriptor and a registration serving it. */
export interface Shop {
  readonly service: DescService;
  readonly registration: ServiceRegistration;
}

/** Builds the fixture and returns the Shop service with a small implementation. */
export async function loadShop(): Promise<Shop> {
  const dir = await Deno.makeTempDir({ prefix: "atreus-shop-" });
  try {
    const out = `${dir}/shop.binpb`;
    const build = await run(BUF, ["build", `${root}tests/reflection/fixture`, "-o", out]);
    if (build.code !== 0) throw new Error(`buf build failed: ${build.stderr}`);
    const registry = createFileRegistry(
      fromBinary(FileDescriptorSetSchema, await Deno.readFile(out)),
    );
    const service = registry.getService("fixture.shop.v1.Shop");
    if (service === undefined) throw new Error("fixture.shop.v1.Shop missing from the build");
    const impl = {
      getOrder(req: { id: string }) {
        return {
          id: req.id,
          state: 1, // STATE_OPEN
          lines: [{ sku: "apple", quantity: 3, price: { currency: "EUR", units: 2n } }],
          delivery: { case: "pickupStore", value: "central" },
        };
      },
      async *chat(messages: AsyncIterable<{ text: string }>) {
        for await (const m of messages) yield { text: `you said ${m.text}` };
      },
    };
    return { service, registration: [service, impl] };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
