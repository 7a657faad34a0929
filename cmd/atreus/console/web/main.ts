// The console page: a list of services (with instance counts and health), and per service the
// tabs Instances, API, Try and Metrics. State arrives pushed over SSE; only the parts a change
// touches are redrawn, so focus and the call editor's text survive updates.
import { type DescribeResult, instanceKey } from "../protocol.ts";
import { apiView, fetchDescription } from "./api_view.ts";
import { byId, h, replace } from "./dom.ts";
import { healthSummary } from "./health.ts";
import { instancesView } from "./instances_view.ts";
import { MetricsView } from "./metrics_view.ts";
import { readRoute, type Route, routeHash, State, type Tab, TABS } from "./state.ts";
import { tryView } from "./try_view.ts";

const state = new State();
const nav = byId("services");
const filter = byId<HTMLInputElement>("filter");
const main = byId("main");
const status = byId("status");
const TAB_LABELS: Record<Tab, string> = {
  instances: "Instances",
  api: "API",
  try: "Try a call",
  metrics: "Metrics",
};

let route: Route = readRoute();
let metricsView: MetricsView | undefined;
let tryForm: (HTMLElement & { refresh?: () => void }) | undefined;
// Descriptions by service, so switching tabs does not reflect again.
const descriptions = new Map<string, { instance: string; result: Promise<DescribeResult> }>();

function go(next: Route): void {
  const hash = routeHash(next);
  if (location.hash !== hash) location.hash = hash;
  else render();
}

function renderStatus(): void {
  const info = state.info;
  replace(
    status,
    h(
      "span",
      { class: state.connected ? "live" : "offline", "data-live": String(state.connected) },
      state.connected ? "live" : "reconnecting…",
    ),
    info ? [" · ", h("span", { class: "source" }, info.source)] : null,
    state.registry.ok ? null : [
      " · ",
      h("span", { class: "error" }, `registry unreachable: ${state.registry.error ?? ""}`),
    ],
    info ? [" · ", h("span", {}, info.allowCalls ? "calls allowed" : "calls disabled")] : null,
  );
}

function renderNav(): void {
  const needle = filter.value.trim().toLowerCase();
  const names = [...state.services.keys()].sort().filter((n) => n.toLowerCase().includes(needle));
  replace(
    nav,
    names.length === 0
      ? h(
        "p",
        { class: "empty" },
        state.services.size === 0 ? "No services in the registry yet." : "No service matches.",
      )
      : h(
        "ul",
        {},
        names.map((name) => {
          const instances = state.services.get(name) ?? [];
          const summary = healthSummary(
            instances.map((i) => state.health.get(instanceKey(name, i.id))),
          );
          const current = name === route.service;
          return h(
            "li",
            {},
            h(
              "a",
              {
                href: routeHash({ service: name, tab: route.tab }),
                class: current ? "service-link current" : "service-link",
                "aria-current": current ? "page" : undefined,
                "data-service": name,
              },
              h("span", { class: "service-name" }, name),
              h(
                "span",
                { class: "service-count" },
                `${instances.length} instance${instances.length === 1 ? "" : "s"} · ${summary}`,
              ),
            ),
          );
        }),
      ),
  );
}

function tabs(service: string): HTMLElement {
  const list = h("div", { role: "tablist", class: "tabs", "aria-label": `${service} views` });
  for (const tab of TABS) {
    const selected = tab === route.tab;
    list.appendChild(
      h("button", {
        type: "button",
        role: "tab",
        id: `tab-${tab}`,
        "aria-selected": String(selected),
        "aria-controls": "panel",
        tabindex: selected ? 0 : -1,
        onclick: () => go({ service, tab }),
      }, TAB_LABELS[tab]),
    );
  }
  // Arrow keys move between tabs, as the ARIA tabs pattern has it.
  list.addEventListener("keydown", (e) => {
    const i = TABS.indexOf(route.tab);
    const next = e.key === "ArrowRight"
      ? TABS[(i + 1) % TABS.length]
      : e.key === "ArrowLeft"
      ? TABS[(i + TABS.length - 1) % TABS.length]
      : undefined;
    if (next === undefined) return;
    e.preventDefault();
    go({ service, tab: next });
    queueMicrotask(() => document.getElementById(`tab-${next}`)?.focus());
  });
  return list;
}

function describeFor(
  service: string,
  refresh = false,
): { instance: string; result: Promise<DescribeResult> } | undefined {
  const instances = state.services.get(service) ?? [];
  const known = descriptions.get(service);
  if (!refresh && known && instances.some((i) => i.id === known.instance)) return known;
  // Ask an instance that serves; any instance if none does yet.
  const pick =
    instances.find((i) => state.health.get(instanceKey(service, i.id))?.status === "SERVING") ??
      instances[0];
  if (pick === undefined) return undefined;
  const entry = { instance: pick.id, result: fetchDescription(service, pick.id, refresh) };
  entry.result.catch(() => descriptions.get(service) === entry && descriptions.delete(service));
  descriptions.set(service, entry);
  return entry;
}

function withDescription(
  service: string,
  panel: HTMLElement,
  f: (d: DescribeResult) => HTMLElement,
): void {
  const entry = describeFor(service);
  if (entry === undefined) {
    replace(panel, h("p", { class: "empty" }, "No instance to ask for its API."));
    return;
  }
  replace(
    panel,
    h("p", { class: "muted" }, `Asking ${entry.instance} for its API (server reflection)…`),
  );
  entry.result.then(
    (d) => {
      if (readRoute().service === service && panel.isConnected) replace(panel, f(d));
    },
    (error) => {
      if (!panel.isConnected) return;
      replace(
        panel,
        h("p", { class: "error" }, (error as Error).message),
        h("button", {
          type: "button",
          onclick: () => {
            describeFor(service, true);
            render();
          },
        }, "Try again"),
      );
    },
  );
}

function render(): void {
  route = readRoute();
  metricsView?.destroy();
  metricsView = undefined;
  tryForm = undefined;
  renderNav();
  renderStatus();
  const service = route.service;
  if (service === undefined || !state.services.has(service)) {
    replace(
      main,
      h("h2", {}, service === undefined ? "Services" : `${service} is not in the registry`),
      h(
        "p",
        { class: "muted" },
        state.services.size ? "Pick a service." : "Waiting for services to register…",
      ),
    );
    return;
  }
  const panel = h("section", {
    id: "panel",
    role: "tabpanel",
    "aria-labelledby": `tab-${route.tab}`,
    tabindex: 0,
  });
  replace(main, h("h2", { id: "service-title" }, service), tabs(service), panel);
  if (route.tab === "instances") replace(panel, instancesView(state, service));
  else if (route.tab === "api") {
    withDescription(
      service,
      panel,
      (d) => apiView(d, (method) => go({ service, tab: "try", method })),
    );
  } else if (route.tab === "try") {
    withDescription(service, panel, (d) => {
      tryForm = tryView(
        state,
        service,
        d,
        route.method,
        (method) => history.replaceState(null, "", routeHash({ service, tab: "try", method })),
      );
      return tryForm;
    });
  } else {
    metricsView = new MetricsView(state, service);
    replace(panel, metricsView.element);
  }
}

state.onChange((change, detail) => {
  if (change === "connection" || change === "registry") return renderStatus();
  if (change === "all") return render();
  renderNav();
  const service = route.service;
  if (service === undefined) return;
  if (change === "services" && detail === service && !state.services.has(service)) return render();
  if (
    change === "services" && route.service !== undefined && !byId("main").querySelector("#panel")
  ) return render();
  const mine = change === "services"
    ? detail === service
    : detail?.startsWith(`${service}/`) === true;
  if (!mine) return;
  const panel = document.getElementById("panel");
  if (panel === null) return;
  if (route.tab === "instances" && change !== "metrics") {
    replace(panel, instancesView(state, service));
  } else if (route.tab === "metrics") metricsView?.update();
  else if (route.tab === "try" && change !== "metrics") tryForm?.refresh?.();
});

addEventListener("hashchange", render);
filter.addEventListener("input", renderNav);
// "/" focuses the service filter, as on many sites; not while typing somewhere.
addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (e.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) {
    e.preventDefault();
    filter.focus();
  }
});
render();
state.connect();
