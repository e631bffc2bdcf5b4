/**
 * A small Prometheus registry (text exposition format 0.0.4): counters and histograms with
 * labels, enough for mcp-authz's own metrics without a dependency.
 */

type Labels = Record<string, string>;

interface Counter { kind: 'counter'; help: string; values: Map<string, number> }
interface Histogram { kind: 'histogram'; help: string; buckets: number[]; values: Map<string, { counts: number[]; sum: number; count: number }> }

/** Latency buckets in seconds, from a cached decision (µs) to a slow key fetch. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

function labelText(labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (!names.length) return '';
  return '{' + names.map((n) => `${n}="${labels[n].replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"`).join(',') + '}';
}

export interface Metrics {
  inc(name: string, labels?: Labels, by?: number): void;
  observe(name: string, value: number, labels?: Labels): void;
  /** The exposition text for GET /metrics. */
  render(): string;
}

/** Create a registry; every metric is declared up front with its help text. */
export function createMetrics(declare: { counters: Record<string, string>; histograms: Record<string, string> }): Metrics {
  const metrics = new Map<string, Counter | Histogram>();
  for (const [name, help] of Object.entries(declare.counters)) metrics.set(name, { kind: 'counter', help, values: new Map() });
  for (const [name, help] of Object.entries(declare.histograms)) metrics.set(name, { kind: 'histogram', help, buckets: LATENCY_BUCKETS, values: new Map() });

  function get<K extends 'counter' | 'histogram'>(name: string, kind: K): Extract<Counter | Histogram, { kind: K }> {
    const m = metrics.get(name);
    if (!m || m.kind !== kind) throw new Error(`metric ${name} is not a declared ${kind}`);
    return m as Extract<Counter | Histogram, { kind: K }>;
  }

  return {
    inc(name, labels = {}, by = 1) {
      const m = get(name, 'counter');
      const key = labelText(labels);
      m.values.set(key, (m.values.get(key) ?? 0) + by);
    },
    observe(name, value, labels = {}) {
      const m = get(name, 'histogram');
      const key = labelText(labels);
      let v = m.values.get(key);
      if (!v) m.values.set(key, (v = { counts: m.buckets.map(() => 0), sum: 0, count: 0 }));
      m.buckets.forEach((b, i) => { if (value <= b) v.counts[i]++; });
      v.sum += value;
      v.count++;
    },
    render() {
      const out: string[] = [];
      for (const [name, m] of metrics) {
        out.push(`# HELP ${name} ${m.help}`, `# TYPE ${name} ${m.kind}`);
        if (m.kind === 'counter') {
          for (const [labels, value] of m.values) out.push(`${name}${labels} ${value}`);
          continue;
        }
        for (const [labels, v] of m.values) {
          const inner = labels.slice(1, -1);
          const withLe = (le: string) => `{${inner ? inner + ',' : ''}le="${le}"}`;
          m.buckets.forEach((b, i) => out.push(`${name}_bucket${withLe(String(b))} ${v.counts[i]}`));
          out.push(`${name}_bucket${withLe('+Inf')} ${v.count}`, `${name}_sum${labels} ${v.sum}`, `${name}_count${labels} ${v.count}`);
        }
      }
      return out.join('\n') + '\n';
    },
  };
}
