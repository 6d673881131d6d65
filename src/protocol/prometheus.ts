// Prometheus text exposition format 0.0.4 (what /metrics answers on the relay and the node):
// counters and gauges with labels, and histograms. Pure: values come in, text goes out.
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;
const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (l: Labels | undefined) => {
  const keys = l ? Object.keys(l) : [];
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(l![k]!)}"`).join(",")}}` : "";
};
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN");

/** A counter or gauge family: one value per label set. */
export class Family {
  private values = new Map<string, { labels: Labels | undefined; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge",
  ) {}
  inc(labels?: Labels, by = 1): void {
    const k = labelText(labels);
    const v = this.values.get(k);
    if (v) v.value += by;
    else this.values.set(k, { labels, value: by });
  }
  set(value: number, labels?: Labels): void {
    this.values.set(labelText(labels), { labels, value });
  }
  get(labels?: Labels): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    if (!this.values.size && this.type === "counter") lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${num(v.value)}`);
    return lines.join("\n");
  }
}

/** A histogram with fixed upper bounds (in the unit of its name, e.g. seconds). */
export class Histogram {
  private counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {
    this.counts = bounds.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]!) this.counts[i]!++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.bounds.forEach((b, i) => lines.push(`${this.name}_bucket{le="${num(b)}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${num(this.sum)}`);
    lines.push(`${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

/** One gauge sample, rendered on the spot (values read at scrape time). */
export function gauge(name: string, help: string, samples: [Labels | undefined, number][] | number): string {
  const f = new Family(name, help, "gauge");
  if (typeof samples === "number") f.set(samples);
  else for (const [l, v] of samples) f.set(v, l);
  return f.render();
}

/** The whole exposition: families in order, one trailing newline. */
export function exposition(parts: (string | Family | Histogram)[]): string {
  return `${parts.map((p) => (typeof p === "string" ? p : p.render())).join("\n")}\n`;
}
