/**
 * Health thresholds and their evaluation: pure, no I/O. The monitor (GET /admin/pool), the
 * scheduled health check and the CloudWatch alarms of lib/constructs/operations.ts all use the
 * same numbers, so "degraded" means the same thing everywhere.
 *
 * Severity decisions (each warning type has exactly one severity per evaluation):
 * - no_healthy_ips      critical always: nothing can be traced.
 * - pool_utilization    warning > poolUtilizationPct (80), critical >= poolUtilizationCriticalPct (95):
 *                       at 95 % clicks start waiting for leases.
 * - queue_depth         warning > queueDepth (20), critical > queueDepthCritical (100).
 * - success_rate        warning < successRatePct (90), critical < successRateCriticalPct (50);
 *                       only judged with at least minSamples finished traces in the window (5 min,
 *                       else 1 h). Without enough samples it is not evaluated, so an open alert
 *                       stays open until traffic proves it has cleared.
 * - unhealthy_ips       share of enabled IPs that are unhealthy: warning > unhealthyIpPct (5),
 *                       critical > unhealthyIpCriticalPct (25).
 * - expired_leases      warning > expiredLeases (0); never critical (the IPs are already reusable,
 *                       each one is a trace that died without releasing).
 * - dlq_not_empty       warning > dlqMessages (0), critical >= dlqCriticalMessages (100).
 * - trace_drift         warning: an offer's landing page or its parameters changed.
 * - Losses, each open while one happened in the last LOSS_WINDOW_MINUTES (any one is too many):
 *   clicks_lost             critical: a click's trace request was neither queued nor parked (ClickLost).
 *   trackier_updates_failed critical: a pair's URL2 campaign update failed for good.
 *   traces_dead_lettered    warning: a trace used up its retries.
 *   events_lost             warning: an analytics event could not be queued (EventLost).
 * - monitor_incomplete  warning: a data source could not be read; never an alert.
 */
import { DEFAULT_THRESHOLDS, type HealthThresholds } from '../../contracts/ops';

export const WARNING_TYPES = [
  'no_healthy_ips',
  'pool_utilization',
  'queue_depth',
  'success_rate',
  'unhealthy_ips',
  'expired_leases',
  'dlq_not_empty',
  'trace_drift',
  'clicks_lost',
  'events_lost',
  'traces_dead_lettered',
  'trackier_updates_failed',
  'monitor_incomplete',
] as const;
export type WarningType = (typeof WARNING_TYPES)[number];
/** The warning types that open alerts (monitor_incomplete is reported, never alerted). */
export const ALERT_TYPES = WARNING_TYPES.filter((t) => t !== 'monitor_incomplete') as Exclude<WarningType, 'monitor_incomplete'>[];
export type AlertType = (typeof ALERT_TYPES)[number];

export type Severity = 'warning' | 'critical';
export type Health = 'healthy' | 'degraded' | 'critical';

export interface HealthWarning {
  readonly type: WarningType;
  readonly severity: Severity;
  readonly message: string;
  readonly recommendation: string;
  readonly value: number;
  readonly threshold: number;
}

export interface DriftFinding {
  readonly offerId: string;
  readonly traceId: string;
  /** What changed: the landing page (origin + path) and/or the parameter names. */
  readonly changes: readonly ('landing' | 'params')[];
}

/** How far back a loss keeps its alert open (and shows in the monitor's warnings). */
export const LOSS_WINDOW_MINUTES = 60;

/** Losses in the last LOSS_WINDOW_MINUTES; a kind left undefined could not be read (or is not measured here). */
export interface LossSnapshot {
  /** ClickLost: clicks redirected whose trace request was neither queued nor parked. */
  readonly clicksLost?: number;
  /** EventLost: analytics events answered 204 but not queued. */
  readonly eventsLost?: number;
  readonly tracesDeadLettered?: { readonly count: number; readonly traceIds: readonly string[] };
  /** Final Trackier URL2 update failures, by pair ("offer pair N"). */
  readonly trackierUpdatesFailed?: { readonly count: number; readonly pairs: readonly string[] };
}

/** What the evaluation looks at; a section left undefined could not be read. */
export interface HealthSnapshot {
  readonly pool?: {
    readonly total: number;
    /** enabled and healthy (available + leased + cooldown). */
    readonly healthy: number;
    readonly unhealthy: number;
    readonly disabled: number;
    /** Percent, 0–100. */
    readonly utilizationPct: number;
    readonly expiredLeases: number;
  };
  readonly queue?: { readonly visible: number };
  /** Visible messages per dead-letter queue, by name (e.g. "trace", "events"). */
  readonly dlqs?: Readonly<Record<string, number>>;
  readonly successRate?: {
    readonly last5m: { readonly finished: number; readonly completed: number };
    readonly last1h: { readonly finished: number; readonly completed: number };
  };
  readonly drift?: readonly DriftFinding[];
  readonly losses?: LossSnapshot;
  /** Names of the data sources that could not be read. */
  readonly unavailable?: readonly string[];
}

export interface HealthEvaluation {
  readonly health: Health;
  readonly warnings: HealthWarning[];
  /** Alert types whose condition was actually evaluated (their data was there). */
  readonly checked: AlertType[];
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export function evaluateHealth(s: HealthSnapshot, t: HealthThresholds = DEFAULT_THRESHOLDS): HealthEvaluation {
  const warnings: HealthWarning[] = [];
  const checked: AlertType[] = [];
  const warn = (w: HealthWarning) => warnings.push(w);

  if (s.pool) {
    const p = s.pool;
    checked.push('no_healthy_ips', 'pool_utilization', 'unhealthy_ips', 'expired_leases');
    if (p.healthy === 0) {
      warn({
        type: 'no_healthy_ips',
        severity: 'critical',
        message: p.total === 0 ? 'The IP pool is empty' : `None of the ${p.total} IPs is healthy and enabled`,
        recommendation: 'Import IPs (tracepool ips import) or reset their health once the provider is fixed (tracepool ips reset-health).',
        value: 0,
        threshold: 1,
      });
    }
    const util = round1(p.utilizationPct);
    if (p.healthy > 0 && util > t.poolUtilizationPct) {
      warn({
        type: 'pool_utilization',
        severity: util >= t.poolUtilizationCriticalPct ? 'critical' : 'warning',
        message: `Pool utilization is ${util} % (threshold ${t.poolUtilizationPct} %)`,
        recommendation: 'Add IPs for the busiest countries, or lower the cooldown; traces wait for leases at this level.',
        value: util,
        threshold: t.poolUtilizationPct,
      });
    }
    const enabled = p.total - p.disabled;
    const unhealthyPct = enabled > 0 ? round1((p.unhealthy / enabled) * 100) : 0;
    if (p.unhealthy > 0 && unhealthyPct > t.unhealthyIpPct) {
      warn({
        type: 'unhealthy_ips',
        severity: unhealthyPct > t.unhealthyIpCriticalPct ? 'critical' : 'warning',
        message: `${p.unhealthy} of ${enabled} enabled IPs are unhealthy (${unhealthyPct} %, threshold ${t.unhealthyIpPct} %)`,
        recommendation: 'Check the proxy provider; replace bad IPs, then run tracepool ips reset-health.',
        value: unhealthyPct,
        threshold: t.unhealthyIpPct,
      });
    }
    if (p.expiredLeases > t.expiredLeases) {
      warn({
        type: 'expired_leases',
        severity: 'warning',
        message: `${p.expiredLeases} lease(s) expired without a release`,
        recommendation: 'Traces died or overran their lease: look for failed or timed-out executions and tracer timeouts.',
        value: p.expiredLeases,
        threshold: t.expiredLeases,
      });
    }
  }

  if (s.queue) {
    checked.push('queue_depth');
    if (s.queue.visible > t.queueDepth) {
      warn({
        type: 'queue_depth',
        severity: s.queue.visible > t.queueDepthCritical ? 'critical' : 'warning',
        message: `${s.queue.visible} trace requests are waiting in the queue (threshold ${t.queueDepth})`,
        recommendation: 'Check that the starter runs and the state machine is not failing; add IPs if the pool is saturated.',
        value: s.queue.visible,
        threshold: t.queueDepth,
      });
    }
  }

  if (s.dlqs) {
    checked.push('dlq_not_empty');
    const entries = Object.entries(s.dlqs).filter(([, n]) => n > t.dlqMessages);
    const total = entries.reduce((sum, [, n]) => sum + n, 0);
    if (entries.length) {
      warn({
        type: 'dlq_not_empty',
        severity: total >= t.dlqCriticalMessages ? 'critical' : 'warning',
        message: `Dead-letter queue${entries.length > 1 ? 's' : ''} not empty: ${entries.map(([q, n]) => `${q} ${n}`).join(', ')}`,
        recommendation: 'Fix the cause in the logs first, then move the messages back: tracepool dlq redrive [--queue trace|events].',
        value: total,
        threshold: t.dlqMessages,
      });
    }
  }

  if (s.successRate) {
    const window =
      s.successRate.last5m.finished >= t.minSamples
        ? { ...s.successRate.last5m, label: '5 min' }
        : s.successRate.last1h.finished >= t.minSamples
          ? { ...s.successRate.last1h, label: '1 h' }
          : undefined;
    if (window) {
      checked.push('success_rate');
      const rate = round1((window.completed / window.finished) * 100);
      if (rate < t.successRatePct) {
        warn({
          type: 'success_rate',
          severity: rate < t.successRateCriticalPct ? 'critical' : 'warning',
          message: `Trace success rate is ${rate} % over ${window.label} (${window.completed}/${window.finished}, threshold ${t.successRatePct} %)`,
          recommendation: 'Look at the failure classes of recent traces: proxy failures point at IPs, offer failures at the affiliate chain.',
          value: rate,
          threshold: t.successRatePct,
        });
      }
    }
  }

  if (s.drift && t.traceDrift) {
    checked.push('trace_drift');
    if (s.drift.length) {
      const shown = s.drift.slice(0, 5).map((d) => `${d.offerId} (${d.changes.join('+')})`);
      warn({
        type: 'trace_drift',
        severity: 'warning',
        message: `Landing page changed for ${s.drift.length} offer(s): ${shown.join(', ')}${s.drift.length > 5 ? ', …' : ''}`,
        recommendation:
          'Run `tracepool offers history <id>` for each offer: it shows when the landing changed and which parameters changed; then check the final URL and the parameters the advertiser now expects.',
        value: s.drift.length,
        threshold: 0,
      });
    }
  }

  if (s.losses) evaluateLosses(s.losses, warn, checked);

  if (s.unavailable?.length) {
    warn({
      type: 'monitor_incomplete',
      severity: 'warning',
      message: `Could not read: ${s.unavailable.join(', ')}`,
      recommendation: 'Check the monitor function logs and its permissions.',
      value: s.unavailable.length,
      threshold: 0,
    });
  }

  const health: Health = warnings.some((w) => w.severity === 'critical') ? 'critical' : warnings.length ? 'degraded' : 'healthy';
  return { health, warnings, checked };
}

const shown = (items: readonly string[]) => `${items.slice(0, 5).join(', ')}${items.length > 5 ? ', …' : ''}`;

/** Every loss is a warning of its own type for as long as it is in the window; one is enough. */
function evaluateLosses(l: LossSnapshot, warn: (w: HealthWarning) => void, checked: AlertType[]): void {
  const window = `in the last ${LOSS_WINDOW_MINUTES} min`;
  if (l.clicksLost !== undefined) {
    checked.push('clicks_lost');
    if (l.clicksLost > 0) {
      warn({
        type: 'clicks_lost',
        severity: 'critical',
        message: `${l.clicksLost} click(s) ${window} were redirected but their trace request was neither queued nor parked (SQS and DynamoDB both failed)`,
        recommendation: 'The full requests are in the Click function\'s log at ERROR ("could not be queued nor parked"): replay them once SQS and DynamoDB answer again.',
        value: l.clicksLost,
        threshold: 0,
      });
    }
  }
  if (l.eventsLost !== undefined) {
    checked.push('events_lost');
    if (l.eventsLost > 0) {
      warn({
        type: 'events_lost',
        severity: 'warning',
        message: `${l.eventsLost} analytics event(s) ${window} could not be queued`,
        recommendation: 'Each lost event is logged whole by the EventIngest function: check the events queue (SQS) and replay them from the log if they matter.',
        value: l.eventsLost,
        threshold: 0,
      });
    }
  }
  if (l.tracesDeadLettered !== undefined) {
    checked.push('traces_dead_lettered');
    if (l.tracesDeadLettered.count > 0) {
      warn({
        type: 'traces_dead_lettered',
        severity: 'warning',
        message: `${l.tracesDeadLettered.count} trace(s) ${window} used up their retries and were dead-lettered: ${shown(l.tracesDeadLettered.traceIds)}`,
        recommendation:
          'Read each trace (tracepool traces get <traceId>): its error class says whether the offer, the proxies or the pool is at fault; fix that, then click again or retrace.',
        value: l.tracesDeadLettered.count,
        threshold: 0,
      });
    }
  }
  if (l.trackierUpdatesFailed !== undefined) {
    checked.push('trackier_updates_failed');
    if (l.trackierUpdatesFailed.count > 0) {
      warn({
        type: 'trackier_updates_failed',
        severity: 'critical',
        message: `Trackier URL2 updates failed for good ${window} for ${l.trackierUpdatesFailed.count} pair(s): ${shown(l.trackierUpdatesFailed.pairs)}`,
        recommendation:
          'Those campaigns point at an old destination. Check the Trackier API key and the campaign ids (tracepool trackier stats), then send a test postback for the pair.',
        value: l.trackierUpdatesFailed.count,
        threshold: 0,
      });
    }
  }
}
