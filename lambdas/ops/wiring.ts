/**
 * Configuration and wiring shared by the monitor, status and health-check handlers: which tables
 * and queues they read, built into the ports of pool-monitor.ts. Read once at cold start; a
 * missing variable throws (ConfigError), an invalid HEALTH_THRESHOLDS too.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { optionalEnv, requireEnv } from '../shared/config';
import { dlqUrlEnv, queueUrlEnv, tableEnv } from '../../lib/manifest/env';
import { createPoolAdmin } from '../lease/pool-admin';
import { parseThresholds, type HealthThresholds } from './thresholds';
import { dynamoTraceReader, sqsQueueDepth, type TraceReader } from './adapters';
import { OPS_ENV } from './env';
import type { MonitorDeps } from './pool-monitor';

export interface MonitorConfig {
  readonly ipPoolTable: string;
  readonly opsTable: string;
  readonly tracesTable: string;
  readonly traceQueueUrl: string;
  /** DLQ URLs by short name: "trace" always, "events" when the variable is set. */
  readonly dlqUrls: Record<string, string>;
  readonly thresholds: HealthThresholds;
}

export function readMonitorConfig(env: NodeJS.ProcessEnv = process.env): MonitorConfig {
  const eventsDlq = optionalEnv(dlqUrlEnv('Events'), env);
  return {
    ipPoolTable: requireEnv(tableEnv('IpPool'), env),
    opsTable: requireEnv(tableEnv('Ops'), env),
    tracesTable: requireEnv(tableEnv('Traces'), env),
    traceQueueUrl: requireEnv(queueUrlEnv('TraceRequests'), env),
    dlqUrls: { trace: requireEnv(dlqUrlEnv('TraceRequests'), env), ...(eventsDlq ? { events: eventsDlq } : {}) },
    thresholds: parseThresholds(optionalEnv(OPS_ENV.healthThresholds, env)),
  };
}

export function monitorPorts(
  config: MonitorConfig,
  clients: { doc: DynamoDBDocumentClient; sqs: SQSClient },
  clock: () => number,
): Omit<MonitorDeps, 'drift'> & { traces: TraceReader } {
  const admin = createPoolAdmin({ doc: clients.doc, tables: { ipPool: config.ipPoolTable, ops: config.opsTable }, clock });
  return {
    pool: { poolStats: (now) => admin.poolStats(now) },
    queues: sqsQueueDepth({ sqs: clients.sqs, traceQueueUrl: config.traceQueueUrl, dlqUrls: config.dlqUrls }),
    traces: dynamoTraceReader({ doc: clients.doc, tracesTable: config.tracesTable }),
    thresholds: config.thresholds,
  };
}
