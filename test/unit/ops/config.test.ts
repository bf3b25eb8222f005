import { ConfigError } from '../../../lambdas/shared/config';
import { ThresholdsError } from '../../../contracts/ops';
import { readCleanupConfig, readHealthCheckConfig, readMonitorConfig, readRedriveConfig, readStatusConfig } from '../../../lambdas/ops/config';

const env = {
  TABLE_IPPOOL: 'ip-pool',
  TABLE_OPS: 'ops',
  TABLE_TRACES: 'traces',
  QUEUE_URL_TRACEREQUESTS: 'http://q/trace',
  DLQ_URL_TRACEREQUESTS: 'http://q/trace-dlq',
  QUEUE_URL_EVENTS: 'http://q/events',
  DLQ_URL_EVENTS: 'http://q/events-dlq',
};

describe('operations configuration, read once from the environment', () => {
  it('the monitor: tables, queues, both DLQs when set, the thresholds from HEALTH_THRESHOLDS', () => {
    const config = readMonitorConfig({ ...env, HEALTH_THRESHOLDS: JSON.stringify({ queueDepth: 1 }), LOSS_METRICS_NAMESPACE: 'Tracepool' });
    expect(config).toMatchObject({
      ipPoolTable: 'ip-pool',
      opsTable: 'ops',
      tracesTable: 'traces',
      traceQueueUrl: 'http://q/trace',
      dlqUrls: { trace: 'http://q/trace-dlq', events: 'http://q/events-dlq' },
      lossMetricsNamespace: 'Tracepool',
    });
    expect(config.thresholds.queueDepth).toBe(1);
    expect(readMonitorConfig({ ...env, DLQ_URL_EVENTS: '' }).dlqUrls).toEqual({ trace: 'http://q/trace-dlq' });
  });

  it('fails on a missing variable or bad thresholds', () => {
    expect(() => readMonitorConfig({ ...env, TABLE_OPS: undefined })).toThrow(ConfigError);
    expect(() => readMonitorConfig({ ...env, HEALTH_THRESHOLDS: '{"queueDepth":-1}' })).toThrow(ThresholdsError);
    expect(() => readRedriveConfig({ ...env, DLQ_URL_EVENTS: undefined })).toThrow(ConfigError);
  });

  it('the health check, status page, redrive and cleanup each read their own variables with documented defaults', () => {
    expect(readHealthCheckConfig({ ...env, EVENT_BUS_NAME: 'bus', TRACEPOOL_STAGE: 'dev' })).toMatchObject({
      eventBusName: 'bus',
      stage: 'dev',
      snapshotRetentionDays: 7,
      alertRetentionDays: 30,
    });
    expect(readStatusConfig(env)).toEqual({ ipPoolTable: 'ip-pool', opsTable: 'ops', tracesTable: 'traces', stage: undefined });
    expect(readRedriveConfig(env)).toEqual({
      trace: { queueUrl: 'http://q/trace', dlqUrl: 'http://q/trace-dlq' },
      events: { queueUrl: 'http://q/events', dlqUrl: 'http://q/events-dlq' },
    });
    expect(readCleanupConfig({ TABLE_OPS: 'ops', OPS_WEBHOOK_LOG_RETENTION_DAYS: '3' })).toEqual({
      opsTable: 'ops',
      retention: { snapshots: 7, alerts: 30, webhookLogs: 3 },
    });
  });
});
