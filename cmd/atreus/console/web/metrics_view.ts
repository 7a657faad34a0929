// Metrics of each instance of a service where it publishes /metrics: a row of small live
// charts per operation. Charts are kept across updates (uPlot redraws in place).
import { instanceKey } from "../protocol.ts";
import { type ChartKind, OperationChart } from "./charts.ts";
import { h, replace } from "./dom.ts";
import type { State } from "./state.ts";

const KINDS: ChartKind[] = ["rps", "errors", "latency"];

/** The metrics panel of a service; `update()` redraws from the state. */
export class MetricsView {
  /** The panel. */
  readonly element: HTMLElement = h("div", { class: "metrics" });
  readonly #charts = new Map<string, OperationChart[]>();
  readonly #state: State;
  readonly #service: string;

  /** The panel of `service`. */
  constructor(state: State, service: string) {
    this.#state = state;
    this.#service = service;
    this.update();
  }

  /** Redraws every instance's charts. */
  update(): void {
    const instances = this.#state.services.get(this.#service) ?? [];
    const seen = new Set<string>();
    const sections: HTMLElement[] = [];
    for (const instance of instances) {
      const key = instanceKey(this.#service, instance.id);
      const m = this.#state.metrics.get(key);
      const title = h("h3", {}, instance.id);
      if (m === undefined || m.state !== "ok") {
        const why = m === undefined || m.state === "pending"
          ? "waiting for the first scrape"
          : m.state === "absent"
          ? `no /metrics (${m.error ?? "not published"})`
          : `scrape failed: ${m.error ?? "unknown error"}`;
        sections.push(
          h(
            "section",
            {
              class: "instance-metrics",
              "data-instance": instance.id,
              "data-state": m?.state ?? "pending",
            },
            title,
            h("p", { class: "muted" }, why),
          ),
        );
        continue;
      }
      const ops = [...new Set(m.points.flatMap((p) => Object.keys(p.ops)))]
        .filter((op) => m.points.some((p) => (p.ops[op]?.rps ?? 0) > 0)).sort();
      const rows = ops.map((op) => {
        const id = `${key}|${op}`;
        seen.add(id);
        let charts = this.#charts.get(id);
        if (charts === undefined) {
          charts = KINDS.map((k) => new OperationChart(k, op));
          this.#charts.set(id, charts);
        }
        for (const c of charts) c.update(m.points);
        return h(
          "div",
          { class: "op-row", "data-op": op },
          h("h4", {}, h("code", {}, op)),
          h("div", { class: "op-charts" }, charts.map((c) => c.element)),
        );
      });
      sections.push(
        h(
          "section",
          { class: "instance-metrics", "data-instance": instance.id, "data-state": "ok" },
          title,
          h(
            "p",
            { class: "muted" },
            `${m.url} · ${m.naming ?? "no RPC series yet"} · ${m.points.length} points`,
          ),
          rows.length ? rows : h("p", { class: "muted" }, "no calls in the last scrapes"),
        ),
      );
    }
    for (const [id, charts] of this.#charts) {
      if (!seen.has(id)) {
        for (const c of charts) c.destroy();
        this.#charts.delete(id);
      }
    }
    replace(this.element, instances.length ? sections : h("p", { class: "empty" }, "no instances"));
  }

  /** Frees the charts. */
  destroy(): void {
    for (const charts of this.#charts.values()) for (const c of charts) c.destroy();
    this.#charts.clear();
  }
}
