import { evaluateHealth, type HealthSnapshot } from '../../../lambdas/ops/thresholds';
import { DEFAULT_THRESHOLDS, parseThresholds, resolveThresholds, ThresholdsError } from '../../../contracts/ops';

const pool = (over: Partial<NonNullable<HealthSnapshot['pool']>> = {}) => ({
  total: 100,
  healthy: 100,
  unhealthy: 0,
  disabled: 0,
  utilizationPct: 10,
  expiredLeases: 0,
  ...over,
});
const calm: HealthSnapshot = {
  pool: pool(),
  queue: { visible: 0 },
  dlqs: { trace: 0, events: 0 },
  successRate: { last5m: { finished: 20, completed: 20 }, last1h: { finished: 200, completed: 199 } },
  drift: [],
};
const only = (s: HealthSnapshot) => evaluateHealth(s).warnings.map((w) => `${w.type}:${w.severity}`);

describe('thresholds', () => {
  it('has the issue defaults', () => {
    expect(DEFAULT_THRESHOLDS).toMatchObject({
      poolUtilizationPct: 80,
      queueDepth: 20,
      successRatePct: 90,
      unhealthyIpPct: 5,
      expiredLeases: 0,
      dlqMessages: 0,
      traceDrift: true,
    });
  });

  it('parses overrides from JSON, keeping the other defaults', () => {
    const t = parseThresholds('{"poolUtilizationPct":70,"queueDepth":50}');
    expect(t).toMatchObject({ poolUtilizationPct: 70, queueDepth: 50, successRatePct: 90 });
    expect(parseThresholds(undefined)).toEqual(DEFAULT_THRESHOLDS);
    expect(parseThresholds('  ')).toEqual(DEFAULT_THRESHOLDS);
  });

  it('rejects unknown keys, bad values, bad JSON and inverted warning/critical pairs', () => {
    expect(() => parseThresholds('{"poolUtilisation":70}')).toThrow(ThresholdsError);
    expect(() => parseThresholds('{"queueDepth":-1}')).toThrow(/queueDepth/);
    expect(() => parseThresholds('{"successRatePct":"90"}')).toThrow(/successRatePct/);
    expect(() => parseThresholds('{oops')).toThrow(/not JSON/);
    expect(() => resolveThresholds({ poolUtilizationPct: 96 })).toThrow(/poolUtilizationCriticalPct must be >= poolUtilizationPct/);
    expect(() => resolveThresholds({ successRateCriticalPct: 95 })).toThrow(/successRateCriticalPct must be <= successRatePct/);
  });
});

describe('evaluateHealth', () => {
  it('is healthy with nothing breached, and lists every type it checked', () => {
    const e = evaluateHealth(calm);
    expect(e).toMatchObject({ health: 'healthy', warnings: [] });
    expect(e.checked.sort()).toEqual(
      ['no_healthy_ips', 'pool_utilization', 'unhealthy_ips', 'expired_leases', 'queue_depth', 'dlq_not_empty', 'success_rate', 'trace_drift'].sort(),
    );
  });

  it('pool utilization: > 80 % warning, >= 95 % critical, exactly 80 % fine', () => {
    expect(only({ ...calm, pool: pool({ utilizationPct: 80 }) })).toEqual([]);
    expect(only({ ...calm, pool: pool({ utilizationPct: 80.5 }) })).toEqual(['pool_utilization:warning']);
    expect(only({ ...calm, pool: pool({ utilizationPct: 95 }) })).toEqual(['pool_utilization:critical']);
  });

  it('queue depth: > 20 warning, > 100 critical', () => {
    expect(only({ ...calm, queue: { visible: 20 } })).toEqual([]);
    expect(only({ ...calm, queue: { visible: 21 } })).toEqual(['queue_depth:warning']);
    expect(only({ ...calm, queue: { visible: 101 } })).toEqual(['queue_depth:critical']);
  });

  it('success rate: < 90 % warning, < 50 % critical; 5-minute window first, 1 h fallback, not judged on few samples', () => {
    const rate = (f5: number, c5: number, f1: number, c1: number) => ({
      ...calm,
      successRate: { last5m: { finished: f5, completed: c5 }, last1h: { finished: f1, completed: c1 } },
    });
    expect(only(rate(10, 9, 100, 100))).toEqual([]);
    expect(only(rate(10, 8, 100, 100))).toEqual(['success_rate:warning']);
    expect(only(rate(10, 4, 100, 100))).toEqual(['success_rate:critical']);
    expect(only(rate(3, 0, 100, 80))).toEqual(['success_rate:warning']); // 5 min too small: 1 h
    const few = evaluateHealth(rate(2, 0, 5, 0));
    expect(few.warnings).toEqual([]);
    expect(few.checked).not.toContain('success_rate'); // an open alert stays open
    const w = evaluateHealth(rate(10, 8, 100, 100)).warnings[0]!;
    expect(w).toMatchObject({ value: 80, threshold: 90 });
    expect(w.recommendation).toMatch(/failure classes/);
  });

  it('unhealthy IPs: share of enabled IPs, > 5 % warning, > 25 % critical', () => {
    expect(only({ ...calm, pool: pool({ unhealthy: 5, healthy: 95 }) })).toEqual([]);
    expect(only({ ...calm, pool: pool({ unhealthy: 6, healthy: 94 }) })).toEqual(['unhealthy_ips:warning']);
    expect(only({ ...calm, pool: pool({ unhealthy: 30, healthy: 70 }) })).toEqual(['unhealthy_ips:critical']);
    // disabled IPs are not in the denominator: 6 of 50 enabled = 12 %
    expect(evaluateHealth({ ...calm, pool: pool({ total: 100, disabled: 50, unhealthy: 6, healthy: 44 }) }).warnings[0]).toMatchObject({ type: 'unhealthy_ips', value: 12 });
  });

  it('no healthy IP at all is critical (empty pool or all down)', () => {
    expect(only({ ...calm, pool: pool({ total: 0, healthy: 0, utilizationPct: 0 }) })).toEqual(['no_healthy_ips:critical']);
    expect(only({ ...calm, pool: pool({ total: 4, healthy: 0, unhealthy: 4, utilizationPct: 0 }) })).toEqual(['no_healthy_ips:critical', 'unhealthy_ips:critical']);
  });

  it('expired leases > 0 is a warning, never critical', () => {
    expect(only({ ...calm, pool: pool({ expiredLeases: 40 }) })).toEqual(['expired_leases:warning']);
  });

  it('a non-empty DLQ is a warning, critical from 100 messages in all', () => {
    expect(only({ ...calm, dlqs: { trace: 1, events: 0 } })).toEqual(['dlq_not_empty:warning']);
    const e = evaluateHealth({ ...calm, dlqs: { trace: 60, events: 40 } });
    expect(e.warnings[0]).toMatchObject({ type: 'dlq_not_empty', severity: 'critical', value: 100 });
    expect(e.warnings[0]!.message).toContain('trace 60, events 40');
    expect(e.warnings[0]!.recommendation).toContain('tracepool dlq redrive');
  });

  it('trace drift is a warning naming the offers; can be switched off', () => {
    const s = { ...calm, drift: [{ offerId: 'o1', traceId: 't1', changes: ['landing' as const] }] };
    expect(only(s)).toEqual(['trace_drift:warning']);
    expect(evaluateHealth(s).warnings[0]!.message).toContain('o1 (landing)');
    expect(evaluateHealth(s).warnings[0]!.recommendation).toContain('tracepool offers history <id>');
    const off = evaluateHealth(s, resolveThresholds({ traceDrift: false }));
    expect(off.warnings).toEqual([]);
    expect(off.checked).not.toContain('trace_drift');
  });

  it('a missing source is a monitor_incomplete warning and its types are not checked', () => {
    const e = evaluateHealth({ pool: pool(), unavailable: ['trace_queue', 'dlqs'] });
    expect(e.health).toBe('degraded');
    expect(e.warnings.map((w) => w.type)).toEqual(['monitor_incomplete']);
    expect(e.checked).not.toContain('queue_depth');
    expect(e.checked).not.toContain('dlq_not_empty');
  });

  it('health is the worst severity', () => {
    expect(evaluateHealth({ ...calm, queue: { visible: 30 } }).health).toBe('degraded');
    expect(evaluateHealth({ ...calm, queue: { visible: 30 }, pool: pool({ utilizationPct: 99 }) }).health).toBe('critical');
  });
});
