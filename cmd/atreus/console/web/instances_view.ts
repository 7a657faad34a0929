// The instances of a service: id, version, endpoints, metadata and live health.
import { instanceKey, type InstanceView } from "../protocol.ts";
import { h } from "./dom.ts";
import { healthBadge } from "./health.ts";
import type { State } from "./state.ts";

/** The instances table of `service`. */
export function instancesView(state: State, service: string): HTMLElement {
  const instances = state.services.get(service) ?? [];
  if (instances.length === 0) {
    return h("p", { class: "empty" }, `${service} has no instances in the registry right now.`);
  }
  return h(
    "div",
    { class: "instances", role: "list", "aria-label": `instances of ${service}` },
    instances.map((i) => instanceCard(state, service, i)),
  );
}

function instanceCard(state: State, service: string, i: InstanceView): HTMLElement {
  const health = state.health.get(instanceKey(service, i.id));
  const metadata = Object.entries(i.metadata);
  return h(
    "article",
    { class: "instance", role: "listitem", "data-instance": i.id },
    h(
      "header",
      { class: "instance-head" },
      h("h3", { class: "instance-id" }, i.id),
      healthBadge(health),
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "version"),
      h("dd", {}, i.version || "—"),
      h("dt", {}, "endpoints"),
      h(
        "dd",
        {},
        h("ul", { class: "endpoints" }, i.endpoints.map((e) => h("li", {}, h("code", {}, e)))),
      ),
      h("dt", {}, "metadata"),
      h(
        "dd",
        {},
        metadata.length === 0 ? "—" : h(
          "ul",
          { class: "meta-list" },
          metadata.map(([k, v]) =>
            h(
              "li",
              {},
              h("span", { class: "meta-key" }, k),
              "=",
              h("span", { class: "meta-value" }, v),
            )
          ),
        ),
      ),
      health?.error
        ? [h("dt", {}, "health"), h("dd", { class: "health-error" }, health.error)]
        : null,
    ),
  );
}
