// Comments of proto elements, from a FileDescriptorSet that kept source info (what
// `buf build --as-file-descriptor-set` writes). Generated code drops source info, so comments are
// available only when such a set is supplied.
import { fromBinary } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  type EnumDescriptorProto,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";

/** Leading (else trailing) comments by full name: `pkg.Msg`, `pkg.Msg.field`, `pkg.Svc.Method`. */
export type CommentIndex = ReadonlyMap<string, string>;

/** Indexes the comments of every file in a serialized FileDescriptorSet. */
export function indexComments(fileDescriptorSet: Uint8Array): CommentIndex {
  const set = fromBinary(FileDescriptorSetSchema, fileDescriptorSet);
  const out = new Map<string, string>();
  for (const file of set.file) {
    const byPath = new Map<string, string>();
    for (const loc of file.sourceCodeInfo?.location ?? []) {
      const text = (loc.leadingComments || loc.trailingComments).trim();
      if (text) byPath.set(loc.path.join("."), text.split("\n").map((l) => l.trim()).join("\n"));
    }
    const prefix = file.package ? `${file.package}.` : "";
    const put = (name: string, path: number[]) => {
      const c = byPath.get(path.join("."));
      if (c) out.set(name, c);
    };
    const enumOf = (e: EnumDescriptorProto, name: string, path: number[]) => {
      put(name, path);
      e.value.forEach((v, i) => put(`${name}.${v.name}`, [...path, 2, i]));
    };
    const messageOf = (m: DescriptorProto, name: string, path: number[]) => {
      put(name, path);
      m.field.forEach((f, i) => put(`${name}.${f.name}`, [...path, 2, i]));
      m.nestedType.forEach((n, i) => messageOf(n, `${name}.${n.name}`, [...path, 3, i]));
      m.enumType.forEach((e, i) => enumOf(e, `${name}.${e.name}`, [...path, 4, i]));
    };
    file.messageType.forEach((m, i) => messageOf(m, `${prefix}${m.name}`, [4, i]));
    file.enumType.forEach((e, i) => enumOf(e, `${prefix}${e.name}`, [5, i]));
    file.service.forEach((s, i) => {
      put(`${prefix}${s.name}`, [6, i]);
      s.method.forEach((m, j) => put(`${prefix}${s.name}.${m.name}`, [6, i, 2, j]));
    });
  }
  return out;
}
