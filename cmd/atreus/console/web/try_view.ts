// "Try a call": method, instance and protocol, a JSON editor filled with the method's template,
// metadata rows (x-md-global-* travels on through the services), a deadline; the answer is
// read line by line (NDJSON), so stream messages show as they arrive.
import {
  type CallEvent,
  type CallRequestBody,
  type DescribeResult,
  instanceKey,
  type InstanceView,
  type MethodView,
} from "../protocol.ts";
import { h, replace } from "./dom.ts";
import type { State } from "./state.ts";

interface Target {
  readonly endpoint: string;
  readonly protocol: CallRequestBody["protocol"];
  readonly label: string;
}

/** The protocols each endpoint can be called with. */
export function targetsOf(instance: InstanceView): Target[] {
  const out: Target[] = [];
  for (const endpoint of instance.endpoints) {
    if (/^grpcs?:\/\//.test(endpoint)) {
      out.push({ endpoint, protocol: "grpc", label: `gRPC · ${endpoint}` });
    }
    if (/^https?:\/\//.test(endpoint)) {
      out.push({ endpoint, protocol: "connect", label: `Connect · ${endpoint}` });
      out.push({ endpoint, protocol: "grpc-web", label: `gRPC-Web · ${endpoint}` });
    }
  }
  // gRPC first: it is what the services' own clients speak.
  return out.sort((a, b) => Number(b.protocol === "grpc") - Number(a.protocol === "grpc"));
}

/** The call form for `service`, whose API `d` describes. */
export function tryView(
  state: State,
  service: string,
  d: DescribeResult,
  preselect: string | undefined,
  onMethod: (path: string) => void,
): HTMLElement {
  const methods: MethodView[] = d.packages.flatMap((p) => p.services.flatMap((s) => s.methods));
  const allow = state.info?.allowCalls === true;
  const method = h(
    "select",
    { id: "try-method", name: "method" },
    d.packages.flatMap((p) =>
      p.services.map((s) =>
        h(
          "optgroup",
          { label: s.typeName },
          s.methods.map((m) =>
            h("option", { value: m.path, selected: m.path === preselect }, m.name)
          ),
        )
      )
    ),
  );
  const instance = h("select", { id: "try-instance", name: "instance" });
  const target = h("select", { id: "try-target", name: "target" });
  const editor = h("textarea", {
    id: "try-body",
    name: "body",
    rows: 10,
    spellcheck: "false",
    autocomplete: "off",
    "aria-describedby": "try-body-help",
  });
  const deadline = h("input", {
    id: "try-deadline",
    name: "deadline",
    type: "number",
    min: 1,
    max: 300000,
    value: 5000,
    inputmode: "numeric",
  });
  const rows = h("div", { class: "metadata-rows" });
  const addRow = (key = "", value = "") => {
    const row: HTMLElement = h(
      "div",
      { class: "metadata-row" },
      h("input", {
        class: "md-key",
        "aria-label": "metadata key",
        placeholder: "x-md-global-…",
        value: key,
        autocomplete: "off",
      }),
      h("input", {
        class: "md-value",
        "aria-label": "metadata value",
        placeholder: "value",
        value,
        autocomplete: "off",
      }),
      h("button", {
        type: "button",
        class: "icon",
        "aria-label": "remove this metadata",
        onclick: () => row.remove(),
      }, "✕"),
    );
    rows.appendChild(row);
  };
  addRow("x-md-global-caller", "atreus-console");
  const result = h("div", { id: "try-result", class: "result", "aria-live": "polite" });
  const send = h("button", { type: "submit", id: "try-send", disabled: !allow }, "Send");
  const cancel = h("button", { type: "button", id: "try-cancel", disabled: true }, "Cancel");
  let running: AbortController | undefined;

  const current = () => methods.find((m) => m.path === method.value) ?? methods[0];
  const fillTemplate = () => {
    const m = current();
    if (m !== undefined) editor.value = m.template;
  };
  const fillInstances = () => {
    const list = state.services.get(service) ?? [];
    const chosen = instance.value;
    replace(
      instance,
      list.map((i) => {
        const health = state.health.get(instanceKey(service, i.id))?.status ?? "CHECKING";
        return h("option", { value: i.id, selected: i.id === chosen }, `${i.id} (${health})`);
      }),
    );
    fillTargets();
  };
  const fillTargets = () => {
    const i = (state.services.get(service) ?? []).find((x) => x.id === instance.value);
    const chosen = target.value;
    replace(
      target,
      (i ? targetsOf(i) : []).map((t) =>
        h("option", {
          value: `${t.protocol} ${t.endpoint}`,
          selected: `${t.protocol} ${t.endpoint}` === chosen,
        }, t.label)
      ),
    );
  };
  method.addEventListener("change", () => {
    fillTemplate();
    onMethod(method.value);
  });
  instance.addEventListener("change", fillTargets);
  fillTemplate();
  fillInstances();

  const submit = async (e?: Event) => {
    e?.preventDefault();
    if (!allow || running) return;
    const [protocol, endpoint] = target.value.split(" ");
    const metadata = [...rows.querySelectorAll(".metadata-row")].map((row) =>
      [
        (row.querySelector(".md-key") as HTMLInputElement).value.trim(),
        (row.querySelector(".md-value") as HTMLInputElement).value,
      ] as const
    ).filter(([k]) => k !== "");
    const body: CallRequestBody = {
      service,
      instance: instance.value,
      endpoint,
      protocol: protocol as CallRequestBody["protocol"],
      method: method.value,
      body: editor.value,
      metadata,
      timeoutMs: Number(deadline.value),
    };
    running = new AbortController();
    send.disabled = true;
    cancel.disabled = false;
    replace(
      result,
      h("p", { class: "muted" }, `Calling ${body.method} on ${body.instance} over ${protocol}…`),
    );
    try {
      await call(body, result, running.signal);
    } finally {
      running = undefined;
      send.disabled = false;
      cancel.disabled = true;
    }
  };
  cancel.addEventListener("click", () => running?.abort());
  editor.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void submit(e);
  });

  const form = h(
    "form",
    { class: "try", onsubmit: (e: Event) => void submit(e) },
    allow ? null : h(
      "p",
      { class: "notice", role: "note" },
      "Calls are disabled. Start the console with --allow-calls to send them.",
    ),
    h(
      "div",
      { class: "grid" },
      field("Method", method),
      field("Instance", instance),
      field("Protocol and endpoint", target),
      field("Deadline (ms)", deadline),
    ),
    h("label", { for: "try-body" }, "Request (JSON)"),
    editor,
    h(
      "p",
      { id: "try-body-help", class: "muted" },
      "Generated from the request message; Ctrl+Enter sends. Streams of requests take a JSON array.",
    ),
    h("button", { type: "button", class: "secondary", onclick: fillTemplate }, "Reset to template"),
    h(
      "fieldset",
      { class: "metadata" },
      h("legend", {}, "Metadata"),
      rows,
      h("button", { type: "button", class: "secondary", onclick: () => addRow() }, "Add metadata"),
    ),
    h("div", { class: "actions" }, send, cancel),
    result,
  );
  (form as HTMLElement & { refresh?: () => void }).refresh = fillInstances;
  return form;
}

function field(label: string, control: HTMLElement): HTMLElement {
  return h("label", { class: "field" }, h("span", {}, label), control);
}

async function call(
  body: CallRequestBody,
  result: HTMLElement,
  signal: AbortSignal,
): Promise<void> {
  const messages = h("ol", { class: "messages", id: "try-messages" });
  const status = h("div", { class: "status", id: "try-status" });
  const headers = h("div", { class: "headers" });
  replace(result, status, messages, headers);
  let res: Response;
  try {
    res = await fetch("/api/call", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    replace(
      status,
      h("p", { class: "error" }, `The console did not answer: ${(error as Error).message}`),
    );
    return;
  }
  if (!res.ok || res.body === null) {
    const text = await res.text();
    let error = text;
    try {
      error = JSON.parse(text).error ?? text;
    } catch {
      // not JSON: show as is
    }
    replace(status, h("p", { class: "error", "data-code": "REFUSED" }, `Not sent: ${error}`));
    return;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim() !== "") show(JSON.parse(line) as CallEvent, status, messages, headers);
      }
    }
  } catch (error) {
    if (!status.hasChildNodes()) {
      replace(status, h("p", { class: "error" }, `Stopped: ${(error as Error).message}`));
    }
  }
}

function show(
  event: CallEvent,
  status: HTMLElement,
  messages: HTMLElement,
  headers: HTMLElement,
): void {
  if (event.type === "headers") {
    headers.appendChild(pairsTable("Response headers", event.headers));
  } else if (event.type === "message") {
    messages.appendChild(
      h(
        "li",
        { class: "message" },
        h("span", { class: "muted" }, `+${event.atMs} ms`),
        h("pre", { class: "json" }, JSON.stringify(event.json, null, 2)),
      ),
    );
  } else {
    const ok = event.code === "OK";
    replace(
      status,
      h(
        "p",
        { class: ok ? "ok" : "error", "data-code": event.code },
        h("strong", { class: "code" }, event.code),
        event.reason
          ? [
            " · reason ",
            h("strong", { class: "reason", "data-reason": event.reason }, event.reason),
          ]
          : null,
        ` · ${event.latencyMs} ms · ${event.messages} message${event.messages === 1 ? "" : "s"}`,
      ),
      event.message ? h("p", { class: "error-message" }, event.message) : null,
      event.details?.length
        ? h("pre", { class: "json" }, JSON.stringify(event.details, null, 2))
        : null,
    );
    if (event.trailers.length > 0) {
      headers.appendChild(pairsTable("Trailers and error metadata", event.trailers));
    }
  }
}

function pairsTable(title: string, pairs: readonly (readonly [string, string])[]): HTMLElement {
  return h(
    "details",
    { class: "pairs" },
    h("summary", {}, `${title} (${pairs.length})`),
    h(
      "table",
      {},
      h(
        "tbody",
        {},
        pairs.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, v))),
      ),
    ),
  );
}
