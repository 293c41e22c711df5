/** Percentiles and timing of repeated requests. */

/** The p-th percentile (0–100) of `values`, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: readonly number[]) => percentile(values, 50);

export interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export function latency(samples: readonly number[]): Latency {
  return { count: samples.length, p50: round(median(samples)), p95: round(percentile(samples, 95)), max: round(Math.max(...samples)) };
}

/** Times `request` `count` times, one after another; resolves to each duration in ms. */
export async function timeEach(count: number, request: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await request();
    samples.push(performance.now() - started);
  }
  return samples;
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
