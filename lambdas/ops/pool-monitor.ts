/**
 * The pool monitor (GET /admin/pool, and the input of the scheduled health check): what the pool
 * holds, what is in flight, what waits in the queues, how recent traces went, and the warnings
 * that follow from the thresholds. Every input sits behind a small port (adapters in
 * lambdas/ops/adapters.ts); a source that fails is reported as `unavailable` instead of failing
 * the whole document, and its alert types are left alone by the health check.
 */
import type { PoolStats } from '../lease/pool-admin';
import type { TraceRecord, TraceStatus } from '../traces/trace-record';
import {
  evaluateHealth,
  LOSS_WINDOW_MINUTES,
  type DriftFinding,
  type Health,
  type HealthEvaluation,
  type HealthSnapshot,
  type HealthWarning,
  type LossSnapshot,
} from './thresholds';
import type { HealthThresholds } from '../../contracts/ops';
import type { LatestTrace } from './trace-drift';

/** The fields of a finished trace the monitor reads (the adapter projects only these). */
export type FinishedTrace = Pick<TraceRecord, 'traceId' | 'offerId' | 'status' | 'statusAt'> &
  Partial<Pick<TraceRecord, 'mode' | 'outcome' | 'finalUrl' | 'params' | 'proxyBytes' | 'timings' | 'error'>>;

/** Statuses a trace ends in; `completed` is the success. */
export const FINISHED_STATUSES: readonly TraceStatus[] = ['completed', 'failed', 'dead_lettered', 'timeout'];

export interface PoolStatsSource {
  poolStats(now: number): Promise<PoolStats>;
}

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export interface QueueDepthSource {
  traceQueue(): Promise<QueueDepth>;
  /** Visible messages per DLQ, by short name ("trace", "events"). */
  dlqs(): Promise<Record<string, number>>;
}

export interface TraceSource {
  /** Traces that finished at or after `sinceMs`, newest first; `capped` when the read limit was hit. */
  finished(sinceMs: number): Promise<{ traces: FinishedTrace[]; capped: boolean }>;
  /** Traces in flight, by status; `capped` when a count stopped at its page limit. */
  active(): Promise<{ running: number; queued: number; retryScheduled: number; capped: boolean }>;
}

/** A final Trackier URL2 update failure, one per pair (its latest). */
export interface TrackierFailure {
  readonly offerId: string;
  readonly pairNumber: number;
  readonly lastSeenAt: number;
}

/** Losses that are not trace records: each port is optional (a deployment without that store). */
export interface LossSource {
  /** Pairs whose URL2 update failed for good at or after `sinceMs`. */
  trackierFailures?(sinceMs: number): Promise<TrackierFailure[]>;
  /** ClickLost and EventLost since `sinceMs` (the functions' metrics: a lost click never reached a table). */
  lostCounts?(sinceMs: number, now: number): Promise<{ clicks: number; events: number }>;
}

export interface MonitorDeps {
  readonly pool: PoolStatsSource;
  readonly queues: QueueDepthSource;
  readonly traces: TraceSource;
  readonly losses?: LossSource;
  /** Drift findings for the latest good trace of each offer (read-only for GET, stored by the health check). */
  readonly drift?: (latest: LatestTrace[]) => Promise<DriftFinding[]>;
  readonly thresholds: HealthThresholds;
}

export interface Performance {
  readonly window_minutes: number;
  /** Finished traces per minute over the last 5 minutes. */
  readonly traces_per_minute: number;
  readonly traces_per_minute_1h: number;
  readonly finished_5m: number;
  readonly finished_1h: number;
  readonly completed_5m: number;
  readonly completed_1h: number;
  /** Completed / finished, percent; null without finished traces. */
  readonly success_rate_5m_pct: number | null;
  readonly success_rate_1h_pct: number | null;
  /** The tracer's own time (timings.traceMs) of completed traces in the last hour. */
  readonly mean_trace_ms: number | null;
  readonly p95_trace_ms: number | null;
  /** Share of completed traces resolved by HTTP alone / by the browser, percent. */
  readonly http_only_pct: number | null;
  readonly browser_pct: number | null;
  readonly proxy_bytes_1h: number;
  readonly proxy_bytes_per_trace: number | null;
  /** Failed traces of the last hour by failure class. */
  readonly failures_by_class: Record<string, number>;
  /** true when the read limit was hit: the figures describe the newest traces only. */
  readonly sampled: boolean;
}

export interface PoolDocument {
  readonly health: Health;
  readonly checked_at: string;
  readonly pool_summary: {
    readonly total: number;
    readonly healthy: number;
    readonly available: number;
    readonly leased: number;
    readonly cooldown: number;
    readonly unhealthy: number;
    readonly disabled: number;
    readonly utilization_pct: number;
    readonly expired_leases: number;
    readonly by_country: Record<string, { total: number; available: number; leased: number; cooldown: number; unhealthy: number; disabled: number }>;
  } | null;
  readonly active_requests: { running: number; queued: number; retry_scheduled: number; capped: boolean } | null;
  readonly queue_depth: {
    readonly trace_queue: { visible: number; in_flight: number; delayed: number } | null;
    readonly dlqs: Record<string, { visible: number }> | null;
  };
  readonly performance: Performance | null;
  /**
   * Losses in the last `window_minutes` (null: not read, or not measured in this deployment).
   * Optional: a deployment from before it answers without.
   */
  readonly losses?: {
    readonly window_minutes: number;
    readonly clicks_lost: number | null;
    readonly events_lost: number | null;
    readonly traces_dead_lettered: number | null;
    readonly trackier_updates_failed: number | null;
  };
  readonly warnings: HealthWarning[];
  readonly unavailable: string[];
}

export interface MonitorResult {
  readonly document: PoolDocument;
  readonly evaluation: HealthEvaluation;
  readonly snapshot: HealthSnapshot;
  readonly stats?: PoolStats;
  readonly performance?: Performance;
  /** The newest good trace per offer seen in the window (input of the drift check). */
  readonly latestGood: LatestTrace[];
}

const MINUTE = 60_000;
const round1 = (n: number) => Math.round(n * 10) / 10;
const pct = (part: number, whole: number) => (whole > 0 ? round1((part / whole) * 100) : null);

/** Nearest-rank percentile of an unsorted list; null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function computePerformance(traces: readonly FinishedTrace[], now: number, sampled = false): Performance {
  const hour = traces.filter((t) => t.statusAt >= now - 60 * MINUTE && FINISHED_STATUSES.includes(t.status));
  const five = hour.filter((t) => t.statusAt >= now - 5 * MINUTE);
  const ok = (list: readonly FinishedTrace[]) => list.filter((t) => t.status === 'completed');
  const completedHour = ok(hour);
  const times = completedHour.map((t) => t.timings?.traceMs).filter((ms): ms is number => typeof ms === 'number' && Number.isFinite(ms));
  const http = completedHour.filter((t) => t.mode === 'http').length;
  const browser = completedHour.filter((t) => t.mode === 'browser').length;
  const withMode = http + browser;
  const bytes = hour.reduce((sum, t) => sum + (typeof t.proxyBytes === 'number' ? t.proxyBytes : 0), 0);
  const failures: Record<string, number> = {};
  for (const t of hour) if (t.status !== 'completed') failures[t.error?.class ?? t.status] = (failures[t.error?.class ?? t.status] ?? 0) + 1;
  return {
    window_minutes: 60,
    traces_per_minute: round1(five.length / 5),
    traces_per_minute_1h: round1(hour.length / 60),
    finished_5m: five.length,
    finished_1h: hour.length,
    completed_5m: ok(five).length,
    completed_1h: completedHour.length,
    success_rate_5m_pct: pct(ok(five).length, five.length),
    success_rate_1h_pct: pct(completedHour.length, hour.length),
    mean_trace_ms: times.length ? Math.round(times.reduce((a, b) => a + b, 0) / times.length) : null,
    p95_trace_ms: percentile(times, 95),
    http_only_pct: pct(http, withMode),
    browser_pct: pct(browser, withMode),
    proxy_bytes_1h: bytes,
    proxy_bytes_per_trace: hour.length ? Math.round(bytes / hour.length) : null,
    failures_by_class: failures,
    sampled,
  };
}

/** The newest completed-and-resolved trace per offer. */
export function latestGoodTraces(traces: readonly FinishedTrace[]): LatestTrace[] {
  const byOffer = new Map<string, LatestTrace>();
  for (const t of traces) {
    if (t.status !== 'completed' || (t.outcome !== undefined && t.outcome !== 'resolved') || !t.finalUrl) continue;
    const seen = byOffer.get(t.offerId);
    if (!seen || t.statusAt > seen.statusAt) {
      byOffer.set(t.offerId, { offerId: t.offerId, traceId: t.traceId, finalUrl: t.finalUrl, params: t.params, statusAt: t.statusAt });
    }
  }
  return [...byOffer.values()];
}

function poolSummary(stats: PoolStats): NonNullable<PoolDocument['pool_summary']> {
  const by_country: NonNullable<PoolDocument['pool_summary']>['by_country'] = {};
  for (const [country, c] of Object.entries(stats.byCountry).sort(([a], [b]) => a.localeCompare(b))) {
    by_country[country] = { total: c.total, available: c.available, leased: c.leased, cooldown: c.cooldown, unhealthy: c.unhealthy, disabled: c.disabled };
  }
  return {
    total: stats.total,
    healthy: stats.healthy,
    ...stats.byState,
    utilization_pct: round1(stats.utilization * 100),
    expired_leases: stats.expiredLeases,
    by_country,
  };
}

export async function buildPoolMonitor(deps: MonitorDeps, now: number, onSourceError?: (source: string, error: unknown) => void): Promise<MonitorResult> {
  const unavailable: string[] = [];
  const guard = async <T>(name: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      onSourceError?.(name, error);
      unavailable.push(name);
      return undefined;
    }
  };

  const [stats, traceQueue, dlqs, finished, active] = await Promise.all([
    guard('pool', () => deps.pool.poolStats(now)),
    guard('trace_queue', () => deps.queues.traceQueue()),
    guard('dlqs', () => deps.queues.dlqs()),
    guard('recent_traces', () => deps.traces.finished(now - 60 * MINUTE)),
    guard('active_traces', () => deps.traces.active()),
  ]);
  const lossSince = now - LOSS_WINDOW_MINUTES * MINUTE;
  const [trackierFailures, lostCounts] = await Promise.all([
    deps.losses?.trackierFailures ? guard('trackier_failures', () => deps.losses!.trackierFailures!(lossSince)) : undefined,
    deps.losses?.lostCounts ? guard('loss_metrics', () => deps.losses!.lostCounts!(lossSince, now)) : undefined,
  ]);
  const deadLettered = finished?.traces.filter((t) => t.status === 'dead_lettered' && t.statusAt >= lossSince);
  const losses: LossSnapshot = {
    ...(lostCounts ? { clicksLost: lostCounts.clicks, eventsLost: lostCounts.events } : {}),
    ...(deadLettered ? { tracesDeadLettered: { count: deadLettered.length, traceIds: deadLettered.map((t) => t.traceId) } } : {}),
    ...(trackierFailures ? { trackierUpdatesFailed: { count: trackierFailures.length, pairs: trackierFailures.map((f) => `${f.offerId} pair ${f.pairNumber}`) } } : {}),
  };
  const performance = finished ? computePerformance(finished.traces, now, finished.capped) : undefined;
  const latestGood = finished ? latestGoodTraces(finished.traces) : [];
  const drift = finished && deps.drift && deps.thresholds.traceDrift ? await guard('drift', () => deps.drift!(latestGood)) : undefined;

  const snapshot: HealthSnapshot = {
    ...(stats
      ? {
          pool: {
            total: stats.total,
            healthy: stats.healthy,
            unhealthy: stats.byState.unhealthy,
            disabled: stats.byState.disabled,
            utilizationPct: stats.utilization * 100,
            expiredLeases: stats.expiredLeases,
          },
        }
      : {}),
    ...(traceQueue ? { queue: { visible: traceQueue.visible } } : {}),
    ...(dlqs ? { dlqs } : {}),
    ...(performance
      ? {
          successRate: {
            last5m: { finished: performance.finished_5m, completed: performance.completed_5m },
            last1h: { finished: performance.finished_1h, completed: performance.completed_1h },
          },
        }
      : {}),
    ...(drift ? { drift } : {}),
    losses,
    unavailable,
  };
  const evaluation = evaluateHealth(snapshot, deps.thresholds);
  const document: PoolDocument = {
    health: evaluation.health,
    checked_at: new Date(now).toISOString(),
    pool_summary: stats ? poolSummary(stats) : null,
    active_requests: active ? { running: active.running, queued: active.queued, retry_scheduled: active.retryScheduled, capped: active.capped } : null,
    queue_depth: {
      trace_queue: traceQueue ? { visible: traceQueue.visible, in_flight: traceQueue.inFlight, delayed: traceQueue.delayed } : null,
      dlqs: dlqs ? Object.fromEntries(Object.entries(dlqs).map(([k, v]) => [k, { visible: v }])) : null,
    },
    performance: performance ?? null,
    losses: {
      window_minutes: LOSS_WINDOW_MINUTES,
      clicks_lost: losses.clicksLost ?? null,
      events_lost: losses.eventsLost ?? null,
      traces_dead_lettered: losses.tracesDeadLettered?.count ?? null,
      trackier_updates_failed: losses.trackierUpdatesFailed?.count ?? null,
    },
    warnings: evaluation.warnings,
    unavailable,
  };
  return { document, evaluation, snapshot, stats, performance, latestGood };
}
