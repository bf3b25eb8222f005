/**
 * Environment variable names of the operations functions (set by lib/constructs/operations.ts and
 * the stateless stack, read by lambdas/ops/*-handler.ts). Tables and queues use the shared names
 * of lib/manifest/env.ts (tableEnv('Ops'), queueUrlEnv('TraceRequests'), dlqUrlEnv(...)); the
 * alert event bus uses ENV.eventBusName and the stage name ENV.stage.
 */
export const OPS_ENV = {
  /** JSON object overriding the health thresholds (lambdas/ops/thresholds.ts). @default the issue's defaults */
  healthThresholds: 'HEALTH_THRESHOLDS',
  /** Days a pool statistics snapshot is kept. @default 7 */
  snapshotRetentionDays: 'OPS_SNAPSHOT_RETENTION_DAYS',
  /** Days a resolved alert stays in the history. @default 30 */
  alertRetentionDays: 'OPS_ALERT_RETENTION_DAYS',
  /** Days a webhook log entry is kept. @default 14 */
  webhookLogRetentionDays: 'OPS_WEBHOOK_LOG_RETENTION_DAYS',
} as const;

/** The EventBridge `source` of alert events, matched by the Operations construct's SNS rule. */
export const ALERT_EVENT_SOURCE = 'tracepool.ops';
/** EventBridge detail types of alert events. */
export const ALERT_DETAIL_TYPES = { opened: 'Tracepool Alert Opened', resolved: 'Tracepool Alert Resolved' } as const;
