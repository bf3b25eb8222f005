/**
 * Pool statistics snapshots (kept in Ops with a TTL: ops-table.ts), written by the health check
 * every 5 minutes, and the figures it emits as CloudWatch metrics (EMF). The CloudWatch alarms of
 * lib/constructs/operations.ts watch PoolUtilization and TraceSuccessRate.
 */
import type { PoolStats } from '../lease/pool-admin';
import type { Performance } from './pool-monitor';

/** Where snapshots are kept. */
export interface SnapshotStore {
  /** Stores the snapshot (replacing one taken at the same time), kept until expiresAt (epoch seconds). */
  put(snapshot: PoolSnapshot, expiresAt: number): Promise<void>;
  /** Unexpired snapshots taken at or after sinceMs, newest first, at most `limit`. */
  since(sinceMs: number, now: number, limit: number): Promise<PoolSnapshot[]>;
  /** Unexpired snapshots taken from fromMs to toMs (both included), oldest first, at most `limit`. */
  between(fromMs: number, toMs: number, now: number, limit: number): Promise<PoolSnapshot[]>;
}

export interface SnapshotDeps {
  readonly store: SnapshotStore;
  /** @default 7 */
  readonly retentionDays?: number;
}

export interface PoolSnapshot {
  readonly at: string;
  readonly total: number;
  readonly healthy: number;
  readonly byState: PoolStats['byState'];
  readonly byCountry: PoolStats['byCountry'];
  readonly utilizationPct: number;
  readonly expiredLeases: number;
  readonly successRatePct?: number | null;
  readonly tracesPerMinute?: number;
}

export type MetricUnitName = 'Percent' | 'Count';
export interface SnapshotMetric {
  readonly name: 'PoolUtilization' | 'AvailableIps' | 'UnhealthyIps' | 'ExpiredLeases' | 'TraceSuccessRate';
  readonly unit: MetricUnitName;
  readonly value: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Stores the snapshot (idempotent for the same `now`) and returns the metrics to emit.
 * TraceSuccessRate is only returned when `successRatePct` is a number: no traffic is no data
 * (the alarm treats missing data as not breaching), never a 0 % or 100 % success rate.
 */
export async function writePoolSnapshot(
  deps: SnapshotDeps,
  stats: PoolStats,
  now: number,
  performance?: Pick<Performance, 'traces_per_minute'> & { successRatePct: number | null },
): Promise<{ snapshot: PoolSnapshot; metrics: SnapshotMetric[] }> {
  const snapshot: PoolSnapshot = {
    at: new Date(now).toISOString(),
    total: stats.total,
    healthy: stats.healthy,
    byState: stats.byState,
    byCountry: stats.byCountry,
    utilizationPct: round1(stats.utilization * 100),
    expiredLeases: stats.expiredLeases,
    ...(performance ? { successRatePct: performance.successRatePct, tracesPerMinute: performance.traces_per_minute } : {}),
  };
  const expiresAt = Math.floor(now / 1000) + (deps.retentionDays ?? 7) * 86_400;
  await deps.store.put(snapshot, expiresAt);
  const metrics: SnapshotMetric[] = [
    { name: 'PoolUtilization', unit: 'Percent', value: snapshot.utilizationPct },
    { name: 'AvailableIps', unit: 'Count', value: stats.byState.available },
    { name: 'UnhealthyIps', unit: 'Count', value: stats.byState.unhealthy },
    { name: 'ExpiredLeases', unit: 'Count', value: stats.expiredLeases },
  ];
  if (typeof performance?.successRatePct === 'number') metrics.push({ name: 'TraceSuccessRate', unit: 'Percent', value: performance.successRatePct });
  return { snapshot, metrics };
}

/** Snapshots taken at or after `sinceMs`, newest first, at most `limit` (≤ 1000). */
export async function recentSnapshots(deps: Pick<SnapshotDeps, 'store'>, sinceMs: number, now: number, limit = 288): Promise<PoolSnapshot[]> {
  return deps.store.since(sinceMs, now, Math.min(Math.max(1, limit), 1000));
}
