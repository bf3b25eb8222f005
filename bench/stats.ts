/** Small helpers shared by the benchmarks: percentiles and a compact result table. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean, max: sorted.at(-1) ?? NaN };
}

export interface Row {
  figure: string;
  value: string;
  target?: string;
  pass?: boolean;
}

export function printTable(title: string, rows: Row[]): boolean {
  console.log(`\n${title}`);
  const w = Math.max(...rows.map((r) => r.figure.length));
  const v = Math.max(...rows.map((r) => r.value.length));
  for (const r of rows) {
    const verdict = r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL';
    console.log(`  ${r.figure.padEnd(w)}  ${r.value.padStart(v)}  ${(r.target ?? '').padEnd(14)} ${verdict}`);
  }
  return rows.every((r) => r.pass !== false);
}

export const ms = (x: number) => `${x.toFixed(2)} ms`;
