/**
 * GET /admin/pool: the pool monitor document (lambdas/ops/pool-monitor.ts).
 * GET /admin/pool/history?from=&to=: the pool over time (lambdas/ops/pool-history.ts).
 * GET /admin/alerts: the open alerts, critical first, and the latest resolutions, newest first
 *   → { open: OpenAlert[], resolved: ResolvedAlert[] } (lambdas/ops/alerts.ts).
 * Read-only.
 */
import { httpHandler } from '../shared/middleware';
import { json, type HttpEvent } from '../shared/http';
import { NotFoundError } from '../shared/errors';
import { logger } from '../shared/powertools';
import { buildPoolMonitor, type MonitorDeps } from './pool-monitor';
import { createDriftTracker } from './trace-drift';
import { dynamoAlertStore, dynamoDriftStore, dynamoSnapshotStore } from './ops-table';
import { alertsView, type AlertStore } from './alerts';
import { parseHistoryRange, poolHistory } from './pool-history';
import type { SnapshotStore } from './pool-snapshot';
import { readMonitorConfig, type MonitorConfig } from './config';
import { builtOnFirstCall, monitorClients, monitorPorts, type MonitorClients } from './wiring';

export interface PoolHandlerDeps {
  readonly monitor: MonitorDeps;
  readonly snapshots: Pick<SnapshotStore, 'between'>;
  readonly alerts: Pick<AlertStore, 'allOpen' | 'history'>;
  readonly clock: () => number;
}

export function makeDeps(config: MonitorConfig, clients: MonitorClients = monitorClients(config)): PoolHandlerDeps {
  const ports = monitorPorts(config, clients, Date.now);
  const ops = { doc: clients.doc, opsTable: config.opsTable };
  const drift = createDriftTracker({ store: dynamoDriftStore(ops) });
  return { monitor: { ...ports, drift: (latest) => drift.inspect(latest) }, snapshots: dynamoSnapshotStore(ops), alerts: dynamoAlertStore(ops), clock: Date.now };
}

export function makeHandler(deps: PoolHandlerDeps) {
  return httpHandler(async (event: HttpEvent) => {
    switch (event.routeKey) {
      case 'GET /admin/pool/history': {
        const q = event.queryStringParameters ?? {};
        const now = deps.clock();
        return json(200, await poolHistory(deps.snapshots, parseHistoryRange({ from: q.from, to: q.to }, now), now));
      }
      case 'GET /admin/alerts':
        return json(200, await alertsView(deps.alerts));
      case 'GET /admin/pool': {
        const { document } = await buildPoolMonitor(deps.monitor, deps.clock(), (source, error) =>
          logger.error('monitor source unavailable', { source, error: error as Error }),
        );
        return json(200, document);
      }
      default:
        throw new NotFoundError(`no route ${event.routeKey}`);
    }
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readMonitorConfig())));
