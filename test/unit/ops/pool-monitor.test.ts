import { buildPoolMonitor, computePerformance, latestGoodTraces, percentile, type FinishedTrace, type MonitorDeps } from '../../../lambdas/ops/pool-monitor';
import { DEFAULT_THRESHOLDS } from '../../../contracts/ops';
import type { PoolStats } from '../../../lambdas/lease/pool-admin';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
let seq = 0;
const t = (status: FinishedTrace['status'], agoMs: number, extra: Partial<FinishedTrace> = {}): FinishedTrace => ({
  traceId: `t${++seq}`,
  offerId: 'o1',
  status,
  statusAt: NOW - agoMs,
  ...extra,
});

const stats = (over: Partial<PoolStats> = {}): PoolStats => ({
  at: NOW,
  total: 10,
  byState: { available: 6, leased: 3, cooldown: 1, unhealthy: 0, disabled: 0 },
  byCountry: { us: { available: 6, leased: 3, cooldown: 1, unhealthy: 0, disabled: 0, total: 10 } },
  healthy: 10,
  utilization: 0.3,
  expiredLeases: 0,
  ...over,
});

function deps(over: Partial<MonitorDeps> = {}, traces: FinishedTrace[] = []): MonitorDeps {
  return {
    pool: { poolStats: async () => stats() },
    queues: { traceQueue: async () => ({ visible: 2, inFlight: 1, delayed: 0 }), dlqs: async () => ({ trace: 0, events: 0 }) },
    traces: { finished: async () => ({ traces, capped: false }), active: async () => ({ running: 3, queued: 1, retryScheduled: 0, capped: false }) },
    thresholds: DEFAULT_THRESHOLDS,
    ...over,
  };
}

describe('computePerformance', () => {
  it('counts rates, times, modes and bytes over 5 min and 1 h', () => {
    const traces = [
      t('completed', 1 * MIN, { mode: 'http', timings: { traceMs: 100 }, proxyBytes: 1000 }),
      t('completed', 2 * MIN, { mode: 'http', timings: { traceMs: 300 }, proxyBytes: 1000 }),
      t('failed', 3 * MIN, { error: { class: 'proxy', message: 'x' }, proxyBytes: 500 }),
      t('completed', 30 * MIN, { mode: 'browser', timings: { traceMs: 2000 }, proxyBytes: 5000 }),
      t('timeout', 40 * MIN),
      t('completed', 61 * MIN, { mode: 'http', timings: { traceMs: 1 } }), // outside the hour
    ];
    const p = computePerformance(traces, NOW);
    expect(p).toMatchObject({
      finished_5m: 3,
      completed_5m: 2,
      traces_per_minute: 0.6,
      finished_1h: 5,
      completed_1h: 3,
      success_rate_5m_pct: 66.7,
      success_rate_1h_pct: 60,
      mean_trace_ms: 800,
      p95_trace_ms: 2000,
      http_only_pct: 66.7,
      browser_pct: 33.3,
      proxy_bytes_1h: 7500,
      proxy_bytes_per_trace: 1500,
      failures_by_class: { proxy: 1, timeout: 1 },
    });
  });

  it('reports nulls, not zeros or NaN, without traffic', () => {
    expect(computePerformance([], NOW)).toMatchObject({
      success_rate_5m_pct: null,
      mean_trace_ms: null,
      p95_trace_ms: null,
      http_only_pct: null,
      proxy_bytes_per_trace: null,
      traces_per_minute: 0,
    });
  });

  it('percentile is nearest-rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(95);
    expect(percentile([], 95)).toBeNull();
  });

  it('latestGoodTraces keeps the newest resolved completed trace per offer', () => {
    const list = [
      t('completed', 5 * MIN, { offerId: 'a', outcome: 'resolved', finalUrl: 'https://x/1' }),
      t('completed', 1 * MIN, { offerId: 'a', outcome: 'resolved', finalUrl: 'https://x/2' }),
      t('completed', 0, { offerId: 'a', outcome: 'loop', finalUrl: 'https://x/3' }),
      t('failed', 0, { offerId: 'b', finalUrl: 'https://y' }),
    ];
    expect(latestGoodTraces(list).map((l) => [l.offerId, l.finalUrl])).toEqual([['a', 'https://x/2']]);
  });
});

describe('buildPoolMonitor', () => {
  it('builds the documented keys', async () => {
    const r = await buildPoolMonitor(deps(), NOW);
    expect(Object.keys(r.document).sort()).toEqual(
      ['active_requests', 'checked_at', 'health', 'losses', 'performance', 'pool_summary', 'queue_depth', 'unavailable', 'warnings'].sort(),
    );
    expect(r.document).toMatchObject({
      health: 'healthy',
      pool_summary: { total: 10, healthy: 10, leased: 3, utilization_pct: 30, by_country: { us: { total: 10, available: 6 } } },
      active_requests: { running: 3, queued: 1, retry_scheduled: 0 },
      queue_depth: { trace_queue: { visible: 2, in_flight: 1, delayed: 0 }, dlqs: { trace: { visible: 0 }, events: { visible: 0 } } },
      warnings: [],
    });
  });

  it('each warning carries a recommendation', async () => {
    const r = await buildPoolMonitor(
      deps({
        pool: { poolStats: async () => stats({ utilization: 0.9, expiredLeases: 2 }) },
        queues: { traceQueue: async () => ({ visible: 50, inFlight: 0, delayed: 0 }), dlqs: async () => ({ trace: 3 }) },
      }),
      NOW,
    );
    expect(r.document.health).toBe('degraded');
    expect(r.document.warnings.map((w) => w.type).sort()).toEqual(['dlq_not_empty', 'expired_leases', 'pool_utilization', 'queue_depth']);
    for (const w of r.document.warnings) expect(w.recommendation.length).toBeGreaterThan(20);
  });

  it('a failing source leaves its section null and reports it, the rest still works', async () => {
    const errors: string[] = [];
    const r = await buildPoolMonitor(deps({ queues: { traceQueue: async () => Promise.reject(new Error('denied')), dlqs: async () => ({ trace: 0 }) } }), NOW, (source) =>
      errors.push(source),
    );
    expect(r.document.queue_depth.trace_queue).toBeNull();
    expect(r.document.pool_summary).not.toBeNull();
    expect(r.document.unavailable).toEqual(['trace_queue']);
    expect(r.document.warnings.map((w) => w.type)).toEqual(['monitor_incomplete']);
    expect(r.evaluation.checked).not.toContain('queue_depth');
    expect(errors).toEqual(['trace_queue']);
  });

  it('passes the latest good trace per offer to the drift port and reports its findings', async () => {
    const seen: string[] = [];
    const r = await buildPoolMonitor(
      deps(
        {
          drift: async (latest) => {
            seen.push(...latest.map((l) => l.traceId));
            return [{ offerId: 'o1', traceId: latest[0]!.traceId, changes: ['params'] }];
          },
        },
        [t('completed', MIN, { outcome: 'resolved', finalUrl: 'https://shop.example/x?a=1' })],
      ),
      NOW,
    );
    expect(seen).toHaveLength(1);
    expect(r.document.warnings.map((w) => w.type)).toEqual(['trace_drift']);
  });
});
