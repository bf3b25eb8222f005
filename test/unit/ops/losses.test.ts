/**
 * Losses as health warnings (and so as alerts): each kind is its own alert type, open while one
 * happened in the window; a kind that could not be read is left unchecked (its alert untouched).
 * The monitor reads dead-lettered traces from the finished traces, Trackier failures and the
 * CloudWatch loss metrics from their ports; the CloudWatch adapter asks for the metrics the
 * functions emit, as the alarms watch them.
 */
import type { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ALERT_TYPES, evaluateHealth, LOSS_WINDOW_MINUTES } from '../../../lambdas/ops/thresholds';
import { buildPoolMonitor, type MonitorDeps } from '../../../lambdas/ops/pool-monitor';
import { cloudWatchLossCounts } from '../../../lambdas/ops/adapters';
import { DEFAULT_THRESHOLDS } from '../../../contracts/ops';
import type { PoolStats } from '../../../lambdas/lease/pool-admin';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;

describe('loss warnings', () => {
  it('are alert types of their own', () => {
    expect(ALERT_TYPES).toEqual(expect.arrayContaining(['clicks_lost', 'events_lost', 'traces_dead_lettered', 'trackier_updates_failed']));
  });

  it('warn on a single loss of any kind, critical for lost clicks and failed Trackier updates', () => {
    const e = evaluateHealth({
      losses: {
        clicksLost: 1,
        eventsLost: 3,
        tracesDeadLettered: { count: 1, traceIds: ['t1'] },
        trackierUpdatesFailed: { count: 2, pairs: ['shoes pair 1', 'hats pair 3'] },
      },
    });
    expect(e.warnings.map((w) => `${w.type}:${w.severity}:${w.value}`).sort()).toEqual(
      ['clicks_lost:critical:1', 'events_lost:warning:3', 'traces_dead_lettered:warning:1', 'trackier_updates_failed:critical:2'].sort(),
    );
    expect(e.health).toBe('critical');
    expect(e.warnings.find((w) => w.type === 'trackier_updates_failed')?.message).toContain('shoes pair 1, hats pair 3');
    expect(e.warnings.find((w) => w.type === 'clicks_lost')?.recommendation).toMatch(/log/);
  });

  it('are checked (so their alerts resolve) when the window holds none, and left alone when unknown', () => {
    const none = evaluateHealth({
      losses: { clicksLost: 0, eventsLost: 0, tracesDeadLettered: { count: 0, traceIds: [] }, trackierUpdatesFailed: { count: 0, pairs: [] } },
    });
    expect(none.warnings).toEqual([]);
    expect(none.checked.sort()).toEqual(['clicks_lost', 'events_lost', 'trackier_updates_failed', 'traces_dead_lettered'].sort());
    const unknown = evaluateHealth({ losses: { tracesDeadLettered: { count: 0, traceIds: [] } } });
    expect(unknown.checked).toEqual(['traces_dead_lettered']);
  });
});

describe('the monitor reads the losses of the window', () => {
  const stats: PoolStats = {
    total: 1,
    healthy: 1,
    byState: { available: 1, leased: 0, cooldown: 0, unhealthy: 0, disabled: 0 },
    utilization: 0,
    expiredLeases: 0,
    byCountry: {},
  } as unknown as PoolStats;
  const base = (over: Partial<MonitorDeps> = {}): MonitorDeps => ({
    pool: { poolStats: async () => stats },
    queues: { traceQueue: async () => ({ visible: 0, inFlight: 0, delayed: 0 }), dlqs: async () => ({ trace: 0 }) },
    traces: {
      finished: async () => ({
        traces: [
          { traceId: 'dead-now', offerId: 'o', status: 'dead_lettered', statusAt: NOW - 5 * MIN },
          { traceId: 'ok', offerId: 'o', status: 'completed', statusAt: NOW - MIN, outcome: 'resolved', finalUrl: 'https://x.example/' },
        ],
        capped: false,
      }),
      active: async () => ({ running: 0, queued: 0, retryScheduled: 0, capped: false }),
    },
    thresholds: DEFAULT_THRESHOLDS,
    ...over,
  });

  it('dead-lettered traces, Trackier failures and the metric counts over the last hour', async () => {
    const asked: number[] = [];
    const { document, evaluation } = await buildPoolMonitor(
      base({
        losses: {
          trackierFailures: async (since) => (asked.push(since), [{ offerId: 'shoes', pairNumber: 2, lastSeenAt: NOW - MIN }]),
          lostCounts: async (since) => (asked.push(since), { clicks: 0, events: 4 }),
        },
      }),
      NOW,
    );
    expect(asked).toEqual([NOW - LOSS_WINDOW_MINUTES * MIN, NOW - LOSS_WINDOW_MINUTES * MIN]);
    expect(document.losses).toEqual({ window_minutes: 60, clicks_lost: 0, events_lost: 4, traces_dead_lettered: 1, trackier_updates_failed: 1 });
    expect(evaluation.warnings.map((w) => w.type).sort()).toEqual(['events_lost', 'trackier_updates_failed', 'traces_dead_lettered'].sort());
  });

  it('a loss source that fails is reported unavailable, and its kinds are not judged', async () => {
    const { document, evaluation } = await buildPoolMonitor(
      base({ losses: { trackierFailures: async () => Promise.reject(new Error('denied')), lostCounts: async () => Promise.reject(new Error('throttled')) } }),
      NOW,
    );
    expect(document.unavailable.sort()).toEqual(['loss_metrics', 'trackier_failures']);
    expect(document.losses).toMatchObject({ clicks_lost: null, events_lost: null, trackier_updates_failed: null, traces_dead_lettered: 1 });
    expect(evaluation.checked).not.toContain('clicks_lost');
    expect(evaluation.checked).not.toContain('trackier_updates_failed');
  });
});

describe('the CloudWatch loss counts', () => {
  it('sum ClickLost and EventLost (namespace, service dimension, Sum) over the window', async () => {
    const sent: GetMetricDataCommand['input'][] = [];
    const cloudwatch = {
      send: async (command: GetMetricDataCommand) => {
        sent.push(command.input);
        return {
          MetricDataResults: [
            { Id: 'clicks', Values: [2, 1] },
            { Id: 'events', Values: [] },
          ],
        };
      },
    } as unknown as CloudWatchClient;
    const counts = await cloudWatchLossCounts({ cloudwatch, namespace: 'Tracepool' })(NOW - 60 * MIN, NOW);
    expect(counts).toEqual({ clicks: 3, events: 0 });
    expect(sent[0]).toMatchObject({ StartTime: new Date(NOW - 60 * MIN), EndTime: new Date(NOW) });
    expect(sent[0]!.MetricDataQueries!.map((q) => q.MetricStat)).toEqual([
      { Metric: { Namespace: 'Tracepool', MetricName: 'ClickLost', Dimensions: [{ Name: 'service', Value: 'tracepool' }] }, Period: 3600, Stat: 'Sum' },
      { Metric: { Namespace: 'Tracepool', MetricName: 'EventLost', Dimensions: [{ Name: 'service', Value: 'tracepool' }] }, Period: 3600, Stat: 'Sum' },
    ]);
  });
});
