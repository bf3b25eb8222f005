/**
 * The health check, every 5 minutes (EventBridge schedule): monitor → snapshot → alerts, and the
 * pool figures as CloudWatch metrics (EMF, namespace Tracepool) for the alarms and the dashboard.
 * Alert events go to EventBridge (EVENT_BUS_NAME), from where the Operations construct's rule
 * forwards them to the alarm SNS topic; without a bus (the local stack) they are logged.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { eventHandler } from '../shared/middleware';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { ENV } from '../../contracts/env';
import { runHealthCheck, type HealthCheckDeps } from './health-check';
import { createDriftTracker } from './trace-drift';
import { eventBridgeAlertPublisher, logAlertPublisher } from './adapters';
import { dynamoAlertStore, dynamoDriftStore, dynamoSnapshotStore } from './ops-table';
import { readHealthCheckConfig, type HealthCheckConfig } from './config';
import { builtOnFirstCall, monitorClients, monitorPorts, type MonitorClients } from './wiring';

export function makeDeps(config: HealthCheckConfig, clients: MonitorClients & { events?: EventBridgeClient } = monitorClients(config)): HealthCheckDeps {
  const publisher = config.eventBusName
    ? eventBridgeAlertPublisher(clients.events ?? new EventBridgeClient({}), config.eventBusName, config.stage)
    : logAlertPublisher((message, data) => logger.warn(message, data));
  if (!config.eventBusName) logger.warn(`${ENV.eventBusName} not set: alerts are logged, not published`);
  const ops = { doc: clients.doc, opsTable: config.opsTable };
  return {
    monitor: monitorPorts(config, clients, Date.now),
    drift: createDriftTracker({ store: dynamoDriftStore(ops) }),
    snapshots: { store: dynamoSnapshotStore(ops), retentionDays: config.snapshotRetentionDays },
    alerts: { store: dynamoAlertStore(ops), publisher, historyDays: config.alertRetentionDays },
    clock: Date.now,
    onSourceError: (source, error) => logger.error('monitor source unavailable', { source, error: error as Error }),
  };
}

const UNITS = { Percent: MetricUnit.Percent, Count: MetricUnit.Count } as const;

export function makeHandler(deps: HealthCheckDeps) {
  return eventHandler(async () => {
    const summary = await runHealthCheck(deps);
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
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readHealthCheckConfig())));
