/**
 * The configuration of each operations function, read from its environment once per cold start
 * (the handler modules' `handler`) or built directly by tests. A missing variable throws
 * (ConfigError), an invalid HEALTH_THRESHOLDS too (ThresholdsError).
 */
import { numberEnv, optionalEnv, requireEnv } from '../shared/config';
import { dlqUrlEnv, ENV, queueUrlEnv, tableEnv } from '../../contracts/env';
import { OPS_ENV, parseThresholds, type HealthThresholds } from '../../contracts/ops';
import { DEFAULT_RETENTION, type RetentionDays } from './cleanup';

type Env = NodeJS.ProcessEnv;

/** GET /admin/pool, and the reads of the health check. */
export interface MonitorConfig {
  readonly ipPoolTable: string;
  readonly opsTable: string;
  readonly tracesTable: string;
  readonly traceQueueUrl: string;
  /** DLQ URLs by short name: "trace" always, "events" when the variable is set. */
  readonly dlqUrls: Record<string, string>;
  readonly thresholds: HealthThresholds;
  /** Where ClickLost and EventLost are read from; absent: not measured. */
  readonly lossMetricsNamespace?: string;
}

export function readMonitorConfig(env: Env = process.env): MonitorConfig {
  const eventsDlq = optionalEnv(dlqUrlEnv('Events'), env);
  return {
    ipPoolTable: requireEnv(tableEnv('IpPool'), env),
    opsTable: requireEnv(tableEnv('Ops'), env),
    tracesTable: requireEnv(tableEnv('Traces'), env),
    traceQueueUrl: requireEnv(queueUrlEnv('TraceRequests'), env),
    dlqUrls: { trace: requireEnv(dlqUrlEnv('TraceRequests'), env), ...(eventsDlq ? { events: eventsDlq } : {}) },
    thresholds: parseThresholds(optionalEnv(OPS_ENV.healthThresholds, env)),
    lossMetricsNamespace: optionalEnv(OPS_ENV.lossMetricsNamespace, env),
  };
}

/** The scheduled health check: the monitor's reads plus where alerts go and how long records stay. */
export interface HealthCheckConfig extends MonitorConfig {
  /** Absent (the local stack): alerts are logged, not published. */
  readonly eventBusName?: string;
  readonly stage?: string;
  readonly snapshotRetentionDays: number;
  readonly alertRetentionDays: number;
}

export function readHealthCheckConfig(env: Env = process.env): HealthCheckConfig {
  return {
    ...readMonitorConfig(env),
    eventBusName: optionalEnv(ENV.eventBusName, env),
    stage: optionalEnv(ENV.stage, env),
    snapshotRetentionDays: numberEnv(OPS_ENV.snapshotRetentionDays, DEFAULT_RETENTION.snapshots, env),
    alertRetentionDays: numberEnv(OPS_ENV.alertRetentionDays, DEFAULT_RETENTION.alerts, env),
  };
}

/** GET /admin/status. */
export interface StatusConfig {
  readonly ipPoolTable: string;
  readonly opsTable: string;
  readonly tracesTable: string;
  readonly stage?: string;
}

export function readStatusConfig(env: Env = process.env): StatusConfig {
  return {
    ipPoolTable: requireEnv(tableEnv('IpPool'), env),
    opsTable: requireEnv(tableEnv('Ops'), env),
    tracesTable: requireEnv(tableEnv('Traces'), env),
    stage: optionalEnv(ENV.stage, env),
  };
}

/** The dead-letter queues the redrive serves, by the name the API takes, with their manifest queue. */
export const REDRIVE_QUEUES = { trace: 'TraceRequests', events: 'Events' } as const;
export type RedriveQueueName = keyof typeof REDRIVE_QUEUES;

/** POST|GET /admin/dlq/redrive: each DLQ with the source queue its messages go back to. */
export type RedriveConfig = Record<RedriveQueueName, { readonly queueUrl: string; readonly dlqUrl: string }>;

export function readRedriveConfig(env: Env = process.env): RedriveConfig {
  const urls = (id: string) => ({ queueUrl: requireEnv(queueUrlEnv(id), env), dlqUrl: requireEnv(dlqUrlEnv(id), env) });
  return { trace: urls(REDRIVE_QUEUES.trace), events: urls(REDRIVE_QUEUES.events) };
}

/** The daily Ops cleanup. */
export interface CleanupConfig {
  readonly opsTable: string;
  readonly retention: RetentionDays;
}

export function readCleanupConfig(env: Env = process.env): CleanupConfig {
  return {
    opsTable: requireEnv(tableEnv('Ops'), env),
    retention: {
      snapshots: numberEnv(OPS_ENV.snapshotRetentionDays, DEFAULT_RETENTION.snapshots, env),
      alerts: numberEnv(OPS_ENV.alertRetentionDays, DEFAULT_RETENTION.alerts, env),
      webhookLogs: numberEnv(OPS_ENV.webhookLogRetentionDays, DEFAULT_RETENTION.webhookLogs, env),
    },
  };
}
