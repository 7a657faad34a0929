// The template files and where each lands in a project. They are read through fetch relative to
// this module, which works from a checkout (file:) and from JSR (https:) alike; a listing of
// the directory would not, hence the explicit manifest (a test keeps it complete).

/** One template and its output path (which may hold placeholders). */
export interface TemplateFile {
  /** Path under cmd/atreus/templates/. */
  readonly template: string;
  /** Path in the project. */
  readonly output: string;
}

/** The files of `atreus new`, besides deno.json and the vendored protos. */
export const projectTemplates: readonly TemplateFile[] = [
  { template: "new/api/service.proto.tmpl", output: "api/{{name}}/v1/{{name}}.proto" },
  { template: "new/conf/conf.proto.tmpl", output: "internal/conf/conf.proto" },
  { template: "new/configs/config.yaml.tmpl", output: "configs/config.yaml" },
  { template: "new/biz/biz.ts.tmpl", output: "internal/biz/{{name}}.ts" },
  { template: "new/data/data.ts.tmpl", output: "internal/data/{{name}}.ts" },
  { template: "new/service/service.ts.tmpl", output: "internal/service/{{name}}.ts" },
  { template: "new/service/service_test.ts.tmpl", output: "internal/service/{{name}}_test.ts" },
  { template: "new/server/http.ts.tmpl", output: "internal/server/http.ts" },
  { template: "new/server/grpc.ts.tmpl", output: "internal/server/grpc.ts" },
  { template: "new/main.ts.tmpl", output: "main.ts" },
  { template: "new/worker.ts.tmpl", output: "worker.ts" },
  { template: "new/buf.yaml.tmpl", output: "buf.yaml" },
  { template: "new/buf.gen.yaml.tmpl", output: "buf.gen.yaml" },
  { template: "new/README.md.tmpl", output: "README.md" },
  { template: "new/gitignore.tmpl", output: ".gitignore" },
];

/** The template of `atreus proto add`. */
export const protoTemplate = "proto/service.proto.tmpl";

/** The text of a template (a path under cmd/atreus/templates/). */
export async function readTemplate(template: string): Promise<string> {
  return await readShipped(new URL(`./templates/${template}`, import.meta.url));
}

/** The text of a file shipped with Atreus, by URL (file: or https:). */
export async function readShipped(url: URL): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`cannot read ${url.href}: ${res.status} ${res.statusText}`);
  }
  return await res.text();
}
