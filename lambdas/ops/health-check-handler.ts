/**
 * The health check, every 5 minutes (EventBridge schedule): monitor → snapshot → alerts, and the
 * pool figures as CloudWatch metrics (EMF, namespace Tracepool) for the alarms and the dashboard.
 * Alert events go to EventBridge (EVENT_BUS_NAME), from where the Operations construct's rule
 * forwards them to the alarm SNS topic; without a bus (the local stack) they are logged.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventHandler } from '../shared/middleware';
import { dynamo, sqs } from '../shared/aws-clients';
import { numberEnv, optionalEnv } from '../shared/config';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { ENV } from '../../lib/manifest/env';
import { runHealthCheck } from './health-check';
import { createDriftTracker } from './trace-drift';
import { eventBridgeAlertPublisher, logAlertPublisher } from './adapters';
import { monitorPorts, readMonitorConfig } from './wiring';
import { OPS_ENV } from './env';

const config = {
  ...readMonitorConfig(),
  eventBusName: optionalEnv(ENV.eventBusName),
  stage: optionalEnv(ENV.stage),
  snapshotRetentionDays: numberEnv(OPS_ENV.snapshotRetentionDays, 7),
  alertRetentionDays: numberEnv(OPS_ENV.alertRetentionDays, 30),
};
const ports = monitorPorts(config, { doc: dynamo(), sqs: sqs() }, Date.now);
const publisher = config.eventBusName
  ? eventBridgeAlertPublisher(new EventBridgeClient({}), config.eventBusName, config.stage)
  : logAlertPublisher((message, data) => logger.warn(message, data));
if (!config.eventBusName) logger.warn(`${ENV.eventBusName} not set: alerts are logged, not published`);

const UNITS = { Percent: MetricUnit.Percent, Count: MetricUnit.Count } as const;

export const handler = eventHandler(async () => {
  const summary = await runHealthCheck({
    monitor: ports,
    drift: createDriftTracker({ doc: dynamo(), opsTable: config.opsTable }),
    snapshots: { doc: dynamo(), opsTable: config.opsTable, retentionDays: config.snapshotRetentionDays },
    alerts: { doc: dynamo(), opsTable: config.opsTable, publisher, historyDays: config.alertRetentionDays },
    clock: Date.now,
    onSourceError: (source, error) => logger.error('monitor source unavailable', { source, error: error as Error }),
  });
  for (const m of summary.metrics) metrics.addMetric(m.name, UNITS[m.unit], m.value);
  logger.info('health check', {
    health: summary.health,
    warnings: summary.warnings.map((w) => `${w.type}:${w.severity}`),
    opened: summary.alerts.opened,
    resolved: summary.alerts.resolved,
    unavailable: summary.unavailable,
  });
  if (summary.alerts.publishErrors.length) {
    // Kept unpublished: the next run sends them again. Logged loudly, not thrown (a retry of the
    // whole check now would only race the next scheduled run).
    logger.error('alert notifications failed', { errors: summary.alerts.publishErrors });
    metrics.addMetric('AlertPublishFailed', MetricUnit.Count, summary.alerts.publishErrors.length);
  }
  return { health: summary.health, opened: summary.alerts.opened, resolved: summary.alerts.resolved, warnings: summary.warnings.length };
});
