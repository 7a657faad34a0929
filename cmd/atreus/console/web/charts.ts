// Small live charts of one instance's metrics with uPlot (bundled, no CDN): per operation,
// requests per second, error rate and p50/p99 latency over the last scrapes.
import uPlot from "uplot";
import type { MetricsPoint } from "../protocol.ts";
import { h } from "./dom.ts";

/** Which number a chart shows. */
export type ChartKind = "rps" | "errors" | "latency";

const TITLES: Record<ChartKind, string> = {
  rps: "requests/s",
  errors: "errors %",
  latency: "latency ms (p50, p99)",
};

const COLOURS = ["#2563eb", "#dc2626", "#059669"];

/** One chart of one operation; `update` feeds it the instance's points. */
export class OperationChart {
  /** The element holding the chart and its caption. */
  readonly element: HTMLElement;
  readonly #kind: ChartKind;
  readonly #op: string;
  readonly #plot: uPlot;
  readonly #caption: HTMLElement;
  readonly #resize: ResizeObserver;

  /** A chart of `kind` for operation `op`. */
  constructor(kind: ChartKind, op: string) {
    this.#kind = kind;
    this.#op = op;
    this.#caption = h("figcaption", { class: "chart-caption" }, TITLES[kind]);
    const target = h("div", { class: "chart-plot" });
    this.element = h(
      "figure",
      { class: "chart", "data-kind": kind, "data-op": op, "data-points": "0" },
      this.#caption,
      target,
    );
    const series: uPlot.Series[] = [{}];
    if (kind === "latency") {
      series.push({ label: "p50", stroke: COLOURS[0], width: 1.5, spanGaps: true });
      series.push({ label: "p99", stroke: COLOURS[1], width: 1.5, spanGaps: true });
    } else {
      series.push({
        label: TITLES[kind],
        stroke: kind === "errors" ? COLOURS[1] : COLOURS[0],
        fill: kind === "errors" ? "rgba(220,38,38,0.12)" : "rgba(37,99,235,0.12)",
        width: 1.5,
      });
    }
    this.#plot = new uPlot(
      {
        width: 260,
        height: 90,
        series,
        legend: { show: false },
        cursor: { show: false },
        scales: {
          x: { time: true },
          y: {
            range: (
              _u,
              min,
              max,
            ) => [0, Math.max(max, kind === "errors" ? 1 : min + 1e-9, 1e-9) * 1.1],
          },
        },
        axes: [
          { show: false },
          { size: 40, font: "10px system-ui", ticks: { show: false }, gap: 2 },
        ],
      },
      [[], ...series.slice(1).map(() => [])],
      target,
    );
    this.#resize = new ResizeObserver(() => {
      const width = Math.max(120, Math.floor(target.clientWidth));
      if (width !== this.#plot.width) this.#plot.setSize({ width, height: 90 });
    });
    this.#resize.observe(target);
  }

  /** Redraws from `points` (oldest first). */
  update(points: readonly MetricsPoint[]): void {
    const xs: number[] = [];
    const a: (number | null)[] = [];
    const b: (number | null)[] = [];
    for (const p of points) {
      const o = p.ops[this.#op];
      xs.push(p.t / 1000);
      if (this.#kind === "rps") a.push(o ? o.rps : 0);
      else if (this.#kind === "errors") a.push(o ? o.errorRate * 100 : 0);
      else {
        a.push(o?.p50 ?? null);
        b.push(o?.p99 ?? null);
      }
    }
    this.#plot.setData(this.#kind === "latency" ? [xs, a, b] : [xs, a]);
    this.element.setAttribute("data-points", String(xs.length));
    const last = points.at(-1)?.ops[this.#op];
    const text = last === undefined
      ? "no calls"
      : this.#kind === "rps"
      ? `${fmt(last.rps)} req/s`
      : this.#kind === "errors"
      ? `${fmt(last.errorRate * 100)} % errors`
      : `p50 ${last.p50 === undefined ? "–" : fmt(last.p50)} ms, p99 ${
        last.p99 === undefined ? "–" : fmt(last.p99)
      } ms`;
    this.#caption.textContent = `${TITLES[this.#kind]}: ${text}`;
    this.element.setAttribute("aria-label", `${this.#op} ${TITLES[this.#kind]}, last ${text}`);
  }

  /** Frees the chart. */
  destroy(): void {
    this.#resize.disconnect();
    this.#plot.destroy();
  }
}

/** A number with at most 3 significant digits past the point. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return "0";
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toPrecision(3).replace(/\.?0+$/, "");
}
