// Reading Swagger UI's assets from the installed npm swagger-ui-dist: the file-system half of
// the docs page, in its own module so a Workers build can leave it (and its node:fs/promises
// and node:path) out, as it leaves out the listeners it never binds.

/** The bytes of one of swagger-ui-dist's files, read from where the package is installed. */
export async function readAsset(file: string): Promise<Uint8Array> {
  const [{ default: distDir }, { readFile }, { join }] = await Promise.all([
    import("swagger-ui-dist/absolute-path.js"),
    import("node:fs/promises"),
    import("node:path"),
  ]);
  return new Uint8Array(await readFile(join((distDir as () => string)(), file)));
}
