// The protos a new project vendors under third_party/, as Kratos layouts do: the google/api
// annotations its REST rules use, shipped inside the package (copied unchanged from googleapis
// via npm google-proto-files; a test keeps them equal), so a project needs nothing installed
// and no BSR; and Atreus's errors options.
import { readShipped } from "./templates.ts";

/** The google/api protos shipped with the CLI, by path inside third_party/. */
export const googleApiProtos: readonly string[] = [
  "google/api/annotations.proto",
  "google/api/http.proto",
];

/** The text of a shipped google/api proto (a path of {@linkcode googleApiProtos}). */
export async function googleApiProto(path: string): Promise<string> {
  return await readShipped(new URL(`./third_party/${path}`, import.meta.url));
}

/** Kratos's errors options (errors/errors.proto), as shipped with Atreus. */
export async function errorsProto(): Promise<string> {
  return await readShipped(new URL("../../errors/errors.proto", import.meta.url));
}
