// The descriptor index reflection answers from: every file reachable from the served services
// (through their imports), each symbol they declare, and each extension by extendee and number.
// Built from protobuf-es descriptors, so it needs nothing but the generated code.
import { type DescFile, type DescService, toBinary } from "@bufbuild/protobuf";
import {
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

interface FileEntry {
  readonly desc: DescFile;
  bytes?: Uint8Array;
}

/** Looks up files, symbols and extensions of a set of services. */
export class DescriptorIndex {
  readonly #files = new Map<string, FileEntry>();
  readonly #symbols = new Map<string, string>();
  readonly #messages = new Set<string>();
  // extendee → field number → declaring file
  readonly #extensions = new Map<string, Map<number, string>>();

  /** Indexes the files of `services` and, transitively, everything they import. */
  constructor(services: Iterable<DescService>) {
    for (const service of services) this.#addFile(service.file);
  }

  /** The file declaring `symbol` (a service, method, message, field, enum, value, extension). */
  fileOfSymbol(symbol: string): string | undefined {
    return this.#symbols.get(symbol);
  }

  /** Whether a file of this name is known. */
  hasFile(name: string): boolean {
    return this.#files.has(name);
  }

  /** The file declaring extension `number` of message `extendee`. */
  fileOfExtension(extendee: string, number: number): string | undefined {
    return this.#extensions.get(extendee)?.get(number);
  }

  /** The known extension numbers of message `type`; `undefined` when the type is unknown. */
  extensionNumbers(type: string): number[] | undefined {
    if (!this.#messages.has(type)) return undefined;
    return [...(this.#extensions.get(type)?.keys() ?? [])];
  }

  /**
   * `name` serialized, then its transitive imports not yet in `sent` (which is updated). The
   * requested file always comes first, even if sent before: clients read it as the answer.
   */
  withDependencies(name: string, sent: Set<string>): Uint8Array[] {
    const out: Uint8Array[] = [];
    const queue = [name];
    const visited = new Set<string>();
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (visited.has(current)) continue;
      visited.add(current);
      const entry = this.#files.get(current);
      if (entry === undefined) continue;
      if (out.length === 0 || !sent.has(current)) {
        sent.add(current);
        entry.bytes ??= toBinary(FileDescriptorProtoSchema, entry.desc.proto);
        out.push(entry.bytes);
      }
      for (const dep of entry.desc.dependencies) queue.push(dep.proto.name);
    }
    return out;
  }

  #addFile(file: DescFile): void {
    const name = file.proto.name;
    // The same file can be generated twice (two copies of google/api/http.proto); one suffices.
    if (this.#files.has(name)) return;
    this.#files.set(name, { desc: file });
    const proto = file.proto;
    const scope = proto.package === "" ? "" : `${proto.package}.`;
    for (const m of proto.messageType) this.#addMessage(name, scope, m);
    for (const e of proto.enumType) this.#addEnum(name, scope, e);
    for (const x of proto.extension) this.#addExtension(name, scope, x);
    for (const s of proto.service) {
      const full = scope + s.name;
      this.#symbols.set(full, name);
      for (const m of s.method) this.#symbols.set(`${full}.${m.name}`, name);
    }
    for (const dep of file.dependencies) this.#addFile(dep);
  }

  #addMessage(file: string, scope: string, message: DescriptorProto): void {
    const full = scope + message.name;
    this.#symbols.set(full, file);
    this.#messages.add(full);
    const inner = `${full}.`;
    for (const f of message.field) this.#symbols.set(inner + f.name, file);
    for (const o of message.oneofDecl) this.#symbols.set(inner + o.name, file);
    for (const m of message.nestedType) this.#addMessage(file, inner, m);
    for (const e of message.enumType) this.#addEnum(file, inner, e);
    for (const x of message.extension) this.#addExtension(file, inner, x);
  }

  #addEnum(file: string, scope: string, e: EnumDescriptorProto): void {
    this.#symbols.set(scope + e.name, file);
    // Enum values are scoped like siblings of their enum, as in protobuf's own name resolution.
    for (const v of e.value) this.#symbols.set(scope + v.name, file);
  }

  #addExtension(file: string, scope: string, x: FieldDescriptorProto): void {
    this.#symbols.set(scope + x.name, file);
    const extendee = x.extendee.replace(/^\./, "");
    let numbers = this.#extensions.get(extendee);
    if (numbers === undefined) this.#extensions.set(extendee, numbers = new Map());
    numbers.set(x.number, file);
  }
}
