/**
 * What the operations construct (lib/constructs/operations.ts) and the operations functions
 * (lambdas/ops) agree on: the variables the construct sets, the alert events its rule matches,
 * and the health thresholds with their validation, which the construct checks at synth time and
 * the functions read back from HEALTH_THRESHOLDS. Tables and queues use the names of
 * contracts/env.ts; the alert event bus ENV.eventBusName and the stage ENV.stage.
 */
import { z } from 'zod';

export const OPS_ENV = {
  /** JSON object overriding the health thresholds (below). @default DEFAULT_THRESHOLDS */
  healthThresholds: 'HEALTH_THRESHOLDS',
  /** Days a pool statistics snapshot is kept. @default 7 */
  snapshotRetentionDays: 'OPS_SNAPSHOT_RETENTION_DAYS',
  /** Days a resolved alert stays in the history. @default 30 */
  alertRetentionDays: 'OPS_ALERT_RETENTION_DAYS',
  /** Days a webhook log entry is kept. @default 14 */
  webhookLogRetentionDays: 'OPS_WEBHOOK_LOG_RETENTION_DAYS',
  /**
   * The CloudWatch namespace the functions' metrics are in: set, the monitor reads the ClickLost and
   * EventLost metrics from CloudWatch (lib/constructs/operations.ts sets it and grants the read).
   * @default unset: those two losses are not measured (the local stack publishes no metrics)
   */
  lossMetricsNamespace: 'LOSS_METRICS_NAMESPACE',
} as const;

/** The EventBridge `source` of alert events, matched by the Operations construct's SNS rule. */
export const ALERT_EVENT_SOURCE = 'tracepool.ops';
/** EventBridge detail types of alert events. */
export const ALERT_DETAIL_TYPES = { opened: 'Tracepool Alert Opened', resolved: 'Tracepool Alert Resolved' } as const;

export interface HealthThresholds {
  /** Leased / healthy IPs, percent. */
  readonly poolUtilizationPct: number;
  readonly poolUtilizationCriticalPct: number;
  /** Visible messages in the trace queue. */
  readonly queueDepth: number;
  readonly queueDepthCritical: number;
  /** Completed / finished traces, percent. */
  readonly successRatePct: number;
  readonly successRateCriticalPct: number;
  /** Finished traces needed before the success rate is judged. */
  readonly minSamples: number;
  /** Unhealthy / enabled IPs, percent. */
  readonly unhealthyIpPct: number;
  readonly unhealthyIpCriticalPct: number;
  readonly expiredLeases: number;
  readonly dlqMessages: number;
  readonly dlqCriticalMessages: number;
  /** Report landing-page drift. */
  readonly traceDrift: boolean;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = Object.freeze({
  poolUtilizationPct: 80,
  poolUtilizationCriticalPct: 95,
  queueDepth: 20,
  queueDepthCritical: 100,
  successRatePct: 90,
  successRateCriticalPct: 50,
  minSamples: 10,
  unhealthyIpPct: 5,
  unhealthyIpCriticalPct: 25,
  expiredLeases: 0,
  dlqMessages: 0,
  dlqCriticalMessages: 100,
  traceDrift: true,
});

const pct = z.number().min(0).max(100);
const count = z.number().int().min(0);
const schema = z
  .strictObject({
    poolUtilizationPct: pct,
    poolUtilizationCriticalPct: pct,
    queueDepth: count,
    queueDepthCritical: count,
    successRatePct: pct,
    successRateCriticalPct: pct,
    minSamples: count.min(1),
    unhealthyIpPct: pct,
    unhealthyIpCriticalPct: pct,
    expiredLeases: count,
    dlqMessages: count,
    dlqCriticalMessages: count,
    traceDrift: z.boolean(),
  })
  .partial();

export class ThresholdsError extends Error {
  override readonly name = 'ThresholdsError';
}

/** Defaults overridden by a partial object; unknown keys and bad values are errors, not ignored. */
export function resolveThresholds(overrides: unknown = {}): HealthThresholds {
  const parsed = schema.safeParse(overrides ?? {});
  if (!parsed.success) {
    throw new ThresholdsError(`invalid health thresholds: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const t = { ...DEFAULT_THRESHOLDS, ...parsed.data };
  const pairs: [keyof HealthThresholds, keyof HealthThresholds, 'above' | 'below'][] = [
    ['poolUtilizationPct', 'poolUtilizationCriticalPct', 'above'],
    ['queueDepth', 'queueDepthCritical', 'above'],
    ['unhealthyIpPct', 'unhealthyIpCriticalPct', 'above'],
    ['dlqMessages', 'dlqCriticalMessages', 'above'],
    ['successRatePct', 'successRateCriticalPct', 'below'],
  ];
  for (const [warn, crit, dir] of pairs) {
    const ok = dir === 'above' ? t[crit] >= t[warn] : t[crit] <= t[warn];
    if (!ok) throw new ThresholdsError(`invalid health thresholds: ${crit} must be ${dir === 'above' ? '>=' : '<='} ${warn}`);
  }
  return Object.freeze(t);
}

/** From the HEALTH_THRESHOLDS variable (a JSON object); the defaults when absent. */
export function parseThresholds(json: string | undefined): HealthThresholds {
  if (json === undefined || json.trim() === '') return DEFAULT_THRESHOLDS;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ThresholdsError('invalid health thresholds: not JSON');
  }
  return resolveThresholds(value);
}
