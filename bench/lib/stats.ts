// Small figures helpers for the benches: nearest-rank percentiles and fixed-width numbers.

/** Nearest-rank percentile of `xs` (missing samples count as Infinity). */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function summary(xs: number[]) {
  return { p50: percentile(xs, 50), p99: percentile(xs, 99), max: percentile(xs, 100), n: xs.length };
}

export function ms(x: number): string {
  if (!Number.isFinite(x)) return "lost";
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
}

export const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
