/** GET /admin/pool: the pool monitor document (lambdas/ops/pool-monitor.ts). Read-only. */
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import { logger } from '../shared/powertools';
import { buildPoolMonitor, type MonitorDeps } from './pool-monitor';
import { createDriftTracker } from './trace-drift';
import { dynamoDriftStore } from './ops-table';
import { readMonitorConfig, type MonitorConfig } from './config';
import { builtOnFirstCall, monitorClients, monitorPorts, type MonitorClients } from './wiring';

export interface PoolHandlerDeps {
  readonly monitor: MonitorDeps;
  readonly clock: () => number;
}

export function makeDeps(config: MonitorConfig, clients: MonitorClients = monitorClients(config)): PoolHandlerDeps {
  const ports = monitorPorts(config, clients, Date.now);
  const drift = createDriftTracker({ store: dynamoDriftStore({ doc: clients.doc, opsTable: config.opsTable }) });
  return { monitor: { ...ports, drift: (latest) => drift.inspect(latest) }, clock: Date.now };
}

export function makeHandler(deps: PoolHandlerDeps) {
  return httpHandler(async () => {
    const { document } = await buildPoolMonitor(deps.monitor, deps.clock(), (source, error) =>
      logger.error('monitor source unavailable', { source, error: error as Error }),
    );
    return json(200, document);
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readMonitorConfig())));
