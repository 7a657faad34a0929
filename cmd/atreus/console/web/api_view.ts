// The API of a service from one instance's reflection: packages, services, methods, and the
// request and response messages with their fields (nested messages and enums expand in place).
import type { DescribeResult, FieldView, MessageView, MethodView } from "../protocol.ts";
import { h } from "./dom.ts";

/** Fetches the description of one instance; rejects with the server's error text. */
export async function fetchDescription(
  service: string,
  instance: string,
  refresh = false,
): Promise<DescribeResult> {
  const query = new URLSearchParams({ service, instance, ...(refresh ? { refresh: "1" } : {}) });
  const res = await fetch(`/api/describe?${query}`, { headers: { accept: "application/json" } });
  const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body as DescribeResult;
}

/** The API view of `d`; `onTry` opens a method in the call form. */
export function apiView(d: DescribeResult, onTry: (method: string) => void): HTMLElement {
  return h(
    "div",
    { class: "api" },
    h(
      "p",
      { class: "muted" },
      `From ${d.instance} over ${d.endpoint} (reflection ${d.reflection}).`,
    ),
    d.packages.map((p) =>
      h(
        "section",
        { class: "package", "data-package": p.name },
        h("h3", {}, "package ", h("code", {}, p.name || "(none)")),
        p.services.map((s) =>
          h(
            "section",
            { class: "service", "data-service": s.typeName },
            h("h4", {}, h("code", {}, s.typeName), " ", h("span", { class: "muted" }, s.file)),
            s.comment ? h("p", { class: "comment" }, s.comment) : null,
            s.methods.map((m) => methodView(d, m, onTry)),
          )
        ),
      )
    ),
  );
}

const KIND: Record<MethodView["kind"], string> = {
  unary: "unary",
  server_streaming: "server stream",
  client_streaming: "client stream",
  bidi_streaming: "bidi stream",
};

function methodView(
  d: DescribeResult,
  m: MethodView,
  onTry: (method: string) => void,
): HTMLElement {
  const streamsIn = m.kind === "client_streaming" || m.kind === "bidi_streaming";
  const streamsOut = m.kind === "server_streaming" || m.kind === "bidi_streaming";
  return h(
    "details",
    { class: "method", "data-method": m.path },
    h(
      "summary",
      {},
      h("code", { class: "method-name" }, m.name),
      " ",
      h("span", { class: "kind" }, KIND[m.kind]),
      " ",
      h(
        "span",
        { class: "signature" },
        "(",
        streamsIn ? "stream " : "",
        m.input,
        ") → ",
        streamsOut ? "stream " : "",
        m.output,
      ),
      m.idempotency ? h("span", { class: "kind" }, m.idempotency) : null,
    ),
    m.comment ? h("p", { class: "comment" }, m.comment) : null,
    h(
      "button",
      { type: "button", class: "try-button", onclick: () => onTry(m.path) },
      `Try ${m.name}`,
    ),
    h("h5", {}, "request ", h("code", {}, m.input)),
    messageView(d, m.input, new Set()),
    h("h5", {}, "response ", h("code", {}, m.output)),
    messageView(d, m.output, new Set()),
  );
}

function messageView(d: DescribeResult, typeName: string, path: Set<string>): HTMLElement {
  const message: MessageView | undefined = d.messages[typeName];
  if (message === undefined) return h("p", { class: "muted" }, `${typeName} (not described)`);
  if (message.wkt) {
    return h("p", { class: "muted" }, `${typeName}: a well-known type (its JSON form)`);
  }
  if (message.fields.length === 0) return h("p", { class: "muted" }, "no fields");
  const inner = new Set(path).add(typeName);
  return h(
    "table",
    { class: "fields", "data-message": typeName },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "field"),
        h("th", { scope: "col" }, "type"),
        h("th", { scope: "col" }, "#"),
        h("th", { scope: "col" }, "notes"),
      ),
    ),
    h("tbody", {}, message.fields.map((f) => fieldRow(d, f, inner))),
  );
}

function fieldRow(d: DescribeResult, f: FieldView, path: Set<string>): HTMLElement {
  const notes = [
    f.label,
    f.oneof ? `oneof ${f.oneof}` : undefined,
    f.jsonName !== f.name ? `JSON ${f.jsonName}` : undefined,
    f.deprecated ? "deprecated" : undefined,
  ].filter(Boolean).join(", ");
  let nested: HTMLElement | null = null;
  if (f.typeName !== undefined) {
    const e = d.enums[f.typeName];
    if (e !== undefined) {
      nested = h(
        "details",
        { class: "nested" },
        h("summary", {}, `enum ${e.typeName}`),
        e.comment ? h("p", { class: "comment" }, e.comment) : null,
        h(
          "ul",
          { class: "enum-values" },
          e.values.map((v) =>
            h(
              "li",
              {},
              h("code", {}, v.name),
              ` = ${v.number}`,
              v.comment ? h("span", { class: "comment" }, ` — ${v.comment}`) : null,
            )
          ),
        ),
      );
    } else if (d.messages[f.typeName] && !d.messages[f.typeName].wkt) {
      nested = path.has(f.typeName) ? h("p", { class: "muted" }, `${f.typeName} (recursive)`) : h(
        "details",
        { class: "nested" },
        h("summary", {}, `message ${f.typeName}`),
        messageView(d, f.typeName, path),
      );
    }
  }
  return h(
    "tr",
    { "data-field": f.name },
    h(
      "td",
      {},
      h("code", {}, f.name),
      f.comment ? h("div", { class: "comment" }, f.comment) : null,
    ),
    h("td", {}, h("code", {}, f.label === "repeated" ? `repeated ${f.type}` : f.type), nested),
    h("td", {}, String(f.number)),
    h("td", {}, notes),
  );
}
