/** The statistics' pure part: the range, the hourly buckets, the percentiles. */
import { BadRequestError } from '../../../lambdas/shared/errors';
import { bucketStats, hourRange, parseStatsRange, parseTimeBound, percentile, type SkipCounts, type TraceSample } from '../../../lambdas/offers/offer-stats';

const H = 3_600_000;
const NOW = Date.parse('2026-12-02T13:40:00.000Z');
const T10 = Date.parse('2026-12-02T10:00:00.000Z');

describe('percentile (nearest rank)', () => {
  it('answers an observed value', () => {
    const ten = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(ten, 50)).toBe(50);
    expect(percentile(ten, 95)).toBe(100);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95)).toBe(19);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 9], 50)).toBe(1);
  });

  it('is null with no values', () => {
    expect(percentile([], 50)).toBeNull();
  });
});

describe('the range', () => {
  it('reads ISO times, epoch ms and durations back from now', () => {
    expect(parseTimeBound('2026-12-02T10:00:00Z', NOW, 'from')).toBe(T10);
    expect(parseTimeBound(String(T10), NOW, 'from')).toBe(T10);
    expect(parseTimeBound('24h', NOW, 'from')).toBe(NOW - 24 * H);
    expect(parseTimeBound('90m', NOW, 'from')).toBe(NOW - 90 * 60_000);
    expect(parseTimeBound('2d', NOW, 'from')).toBe(NOW - 48 * H);
    expect(parseTimeBound(undefined, NOW, 'from')).toBeUndefined();
    expect(() => parseTimeBound('yesterday', NOW, 'from')).toThrow(BadRequestError);
    expect(() => parseTimeBound('March 7', NOW, 'from')).toThrow(/invalid from/);
  });

  it('defaults to the last 24 hours', () => {
    expect(parseStatsRange({}, NOW, 7)).toEqual({ from: NOW - 24 * H, to: NOW });
  });

  it('refuses a range longer than the traces are kept, one older, or an empty one', () => {
    expect(parseStatsRange({ from: '7d' }, NOW, 7)).toEqual({ from: NOW - 7 * 24 * H, to: NOW });
    expect(() => parseStatsRange({ from: '8d' }, NOW, 7)).toThrow(/at most 7 days/);
    expect(() => parseStatsRange({ from: '10d', to: '9d' }, NOW, 7)).toThrow(/older than the 7 days/);
    expect(() => parseStatsRange({ from: '1h', to: '2h' }, NOW, 7)).toThrow(/must be before/);
  });

  it('widens to whole UTC hours, `to` exclusive', () => {
    expect(hourRange({ from: T10 + 25 * 60_000, to: NOW })).toEqual({ from: T10, to: T10 + 4 * H });
    expect(hourRange({ from: T10, to: T10 + 2 * H })).toEqual({ from: T10, to: T10 + 2 * H });
  });
});

describe('bucketStats', () => {
  const trace = (at: number, t: Partial<TraceSample>): TraceSample => ({ createdAt: at, status: 'completed', ...t });
  const skips = (s: Partial<SkipCounts>): SkipCounts => ({ bot: 0, budget: 0, duplicate: 0, paused: 0, ...s });

  it('puts each trace and skip count in its UTC hour and sums the totals', () => {
    const traces: TraceSample[] = [
      trace(T10 + 1, { mode: 'browser', timings: { traceMs: 100, totalMs: 9000 }, proxyBytes: 1000 }),
      trace(T10 + 2, { mode: 'http', timings: { traceMs: 300 }, proxyBytes: 500 }),
      trace(T10 + H - 1, { mode: 'http', timings: { traceMs: 200 } }),
      trace(T10 + 5, { status: 'failed', error: { class: 'proxy', message: 'x' }, proxyBytes: 20 }),
      trace(T10 + 6, { status: 'timeout', error: { class: 'timeout', message: 'x' } }),
      trace(T10 + 7, { status: 'dead_lettered' }),
      trace(T10 + 2 * H, { status: 'running' }),
      trace(T10 + 2 * H + 1, { mode: 'browser', timings: { traceMs: 1000 } }),
    ];
    const { hours, totals } = bucketStats(
      { from: T10, to: T10 + 3 * H },
      traces,
      new Map([
        ['2026-12-02T10', skips({ bot: 4, budget: 1 })],
        ['2026-12-02T11', skips({ duplicate: 2, paused: 3 })],
      ]),
    );
    expect(hours.map((h) => h.hour)).toEqual(['2026-12-02T10', '2026-12-02T11', '2026-12-02T12']);
    expect(hours[0]).toEqual({
      hour: '2026-12-02T10',
      clicks: 6 + 5,
      traced: 6,
      skipped: { bot: 4, budget: 1, duplicate: 0, paused: 0 },
      completed: 3,
      failed: 3,
      failedByClass: { proxy: 1, timeout: 1, unknown: 1 },
      pending: 0,
      p50TraceMs: 200,
      p95TraceMs: 300,
      proxyBytes: 1520,
      browserShare: 1 / 3,
    });
    expect(hours[1]).toMatchObject({ clicks: 5, traced: 0, completed: 0, p50TraceMs: null, p95TraceMs: null, browserShare: null, proxyBytes: 0 });
    expect(hours[2]).toMatchObject({ clicks: 2, traced: 2, completed: 1, pending: 1, p50TraceMs: 1000, browserShare: 1 });
    expect(totals).toEqual({
      clicks: 8 + 10,
      traced: 8,
      skipped: { bot: 4, budget: 1, duplicate: 2, paused: 3 },
      completed: 4,
      failed: 3,
      failedByClass: { proxy: 1, timeout: 1, unknown: 1 },
      pending: 1,
      // Over all four samples, not the hours' percentiles: 100, 200, 300, 1000.
      p50TraceMs: 200,
      p95TraceMs: 1000,
      proxyBytes: 1520,
      browserShare: 2 / 4,
    });
  });

  it('ignores traces and counts outside the range', () => {
    const { hours, totals } = bucketStats({ from: T10, to: T10 + H }, [trace(T10 - 1, {}), trace(T10 + H, {})], new Map([['2026-12-02T09', skips({ bot: 9 })]]));
    expect(hours).toHaveLength(1);
    expect(totals.clicks).toBe(0);
  });
});
