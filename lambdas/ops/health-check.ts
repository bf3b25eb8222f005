/**
 * The scheduled health check (every 5 minutes): build the monitor (storing the drift state),
 * store a statistics snapshot, open or resolve alerts, and return a summary plus the metrics the
 * handler emits. The same thresholds as GET /admin/pool.
 */
import { buildPoolMonitor, type MonitorDeps } from './pool-monitor';
import { writePoolSnapshot, type SnapshotDeps, type SnapshotMetric } from './pool-snapshot';
import { reconcileAlerts, type AlertDeps, type ReconcileResult } from './alerts';
import type { DriftTracker } from './trace-drift';
import type { Health, HealthWarning } from './thresholds';

export interface HealthCheckDeps {
  readonly monitor: Omit<MonitorDeps, 'drift'>;
  readonly drift: DriftTracker;
  readonly snapshots: SnapshotDeps;
  readonly alerts: AlertDeps;
  readonly clock: () => number;
  readonly onSourceError?: (source: string, error: unknown) => void;
}

export interface HealthCheckSummary {
  readonly health: Health;
  readonly checkedAt: string;
  readonly warnings: HealthWarning[];
  readonly unavailable: string[];
  readonly alerts: ReconcileResult;
  /** What to emit as CloudWatch metrics (namespace Tracepool). */
  readonly metrics: SnapshotMetric[];
}

export async function runHealthCheck(deps: HealthCheckDeps): Promise<HealthCheckSummary> {
  const now = deps.clock();
  const monitor = await buildPoolMonitor({ ...deps.monitor, drift: (latest) => deps.drift.update(latest, now) }, now, deps.onSourceError);
  const { stats, performance, evaluation, document } = monitor;

  let metrics: SnapshotMetric[] = [];
  if (stats) {
    const successRatePct = performance ? (performance.finished_5m >= deps.monitor.thresholds.minSamples ? performance.success_rate_5m_pct : null) : null;
    ({ metrics } = await writePoolSnapshot(deps.snapshots, stats, now, performance ? { traces_per_minute: performance.traces_per_minute, successRatePct } : undefined));
  }
  const alerts = await reconcileAlerts(deps.alerts, evaluation.warnings, evaluation.checked, now);
  return {
    health: evaluation.health,
    checkedAt: document.checked_at,
    warnings: evaluation.warnings,
    unavailable: document.unavailable,
    alerts,
    metrics,
  };
}
