// Turning a source's KeyValues into config trees: one decoder per format, plus the plain
// value form (format "") that places a value at a dotted path, as env variables use.
import { ConfigError } from "./errors.ts";
import { isPlainObject, joinKey, nest, splitKey, type Tree } from "./path.ts";
import type { KeyValue, Origin } from "./types.ts";
import { importYaml } from "./yaml_module.ts";

/** Parses the text of one document into a value (normally an object). */
export type Decoder = (text: string) => unknown;

// The YAML and TOML parsers are loaded by the first document in their format (see
// `loadParsers`): a service configured in JSON never loads them (and `yaml` loads by its ES
// module build where it can, see yaml_module.ts).
let parseYaml: ((text: string, options: { merge: boolean }) => unknown) | undefined;
let parseToml: ((text: string) => unknown) | undefined;

const loadYaml = async () => {
  parseYaml ??= (await importYaml()).parse;
};
const loaders: Readonly<Record<string, () => Promise<void>>> = {
  yaml: loadYaml,
  yml: loadYaml,
  toml: async () => {
    parseToml ??= (await import("smol-toml")).parse;
  },
};

/** The built-in decoders: `json`, `yaml`, `yml` and `toml`. */
export const builtinDecoders: Readonly<Record<string, Decoder>> = Object.freeze({
  json: (text: string) => JSON.parse(text),
  yaml: (text: string) => loaded(parseYaml, "yaml")(text, { merge: true }),
  yml: (text: string) => loaded(parseYaml, "yml")(text, { merge: true }),
  toml: (text: string) => loaded(parseToml, "toml")(text),
});

function loaded<F>(parse: F | undefined, format: string): F {
  if (parse === undefined) throw new Error(`the ${format} parser is not loaded (loadParsers)`);
  return parse;
}

/**
 * Loads the parsers the built-in decoders need for `kvs`; called before decoding, so decoding
 * itself stays synchronous. A format whose decoder the caller replaced loads nothing.
 */
export async function loadParsers(
  kvs: readonly (readonly KeyValue[])[],
  decoders: Readonly<Record<string, Decoder>>,
): Promise<void> {
  const formats = new Set<string>();
  for (const list of kvs) {
    for (const kv of list) {
      if (loaders[kv.format] !== undefined && decoders[kv.format] === builtinDecoders[kv.format]) {
        formats.add(kv.format);
      }
    }
  }
  await Promise.all([...formats].map((f) => loaders[f]()));
}

/** A decoded KeyValue: its tree and where it came from. */
export interface Layer {
  /** The decoded content, rooted at the config root. */
  readonly tree: unknown;
  /** Source and location, for explain. */
  readonly origin: Origin;
  /** For plain values, the dotted key they were placed at; `""` for documents. */
  readonly key: string;
  /** Set when the KeyValue only serves placeholders. */
  readonly lookupOnly: boolean;
}

/** The format of a key from its extension (`config.yaml` → `yaml`), or `""`. */
export function formatOf(key: string): string {
  const base = key.slice(key.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? "" : base.slice(dot + 1).toLowerCase();
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes one KeyValue; throws a `format` or `parse` ConfigError naming the origin. */
export function decodeKeyValue(
  kv: KeyValue,
  source: string,
  decoders: Readonly<Record<string, Decoder>>,
): Layer {
  const origin: Origin = { source, location: kv.origin ?? kv.key };
  const where = `${source} ${origin.location}`;
  if (kv.format === "") {
    const value = normalise(kv.value);
    if (kv.key === "" && !isPlainObject(value)) {
      throw new ConfigError("parse", `${where}: a value for the root must be an object`, {
        source,
      });
    }
    const segments = splitKey(kv.key);
    return {
      tree: nest(segments, value),
      origin,
      key: joinKey(segments),
      lookupOnly: kv.lookupOnly === true,
    };
  }
  const decode = decoders[kv.format];
  if (decode === undefined) {
    throw new ConfigError(
      "format",
      `${where}: no decoder for format "${kv.format}" (known: ${Object.keys(decoders).join(", ")})`,
      { source },
    );
  }
  let text: string;
  try {
    if (kv.value instanceof Uint8Array) text = utf8.decode(kv.value);
    else if (typeof kv.value === "string") text = kv.value;
    else throw new TypeError(`expected bytes or text, got ${typeof kv.value}`);
  } catch (e) {
    throw new ConfigError("parse", `${where}: ${(e as Error).message}`, { source, cause: e });
  }
  let parsed: unknown;
  try {
    parsed = decode(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new ConfigError("parse", `${where}: invalid ${kv.format}: ${message}`, {
      source,
      cause: e,
    });
  }
  if (parsed === null || parsed === undefined) {
    return { tree: {}, origin, key: "", lookupOnly: false };
  }
  const tree = normalise(parsed);
  if (!isPlainObject(tree)) {
    const kind = Array.isArray(tree) ? "an array" : `a ${typeof tree}`;
    throw new ConfigError("parse", `${where}: the top level must be a mapping, got ${kind}`, {
      source,
    });
  }
  return { tree, origin, key: "", lookupOnly: false };
}

/** Makes decoded values JSON-like: dates become ISO strings, big integers numbers or strings. */
function normalise(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint") {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  }
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Map) {
    const out: Tree = {};
    for (const [k, x] of v) out[String(k)] = normalise(x);
    return out;
  }
  if (typeof v === "object" && v !== null && !(v instanceof Uint8Array)) {
    const out: Tree = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalise(x);
    return out;
  }
  return v;
}
