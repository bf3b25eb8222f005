/**
 * Maintenance (every minute): stuck traces become timeouts; the lease-waiter queue swept; a pool statistics snapshot (expired
 * leases included — they need no cleanup, an expired lease is simply free) written to Ops and
 * emitted as EMF metrics.
 */
import { eventHandler } from '../shared/middleware';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { createPoolAdmin, type PoolAdmin } from '../lease/pool-admin';
import type { LeaseWaiters } from '../lease/lease-waiters';
import type { TraceRepository } from '../traces/trace-repository';
import { readMaintenanceConfig, type MaintenanceConfig } from './config';
import { leaseParts, pipelineClients, type PipelineClients } from './pipeline-deps';
import { knownCountries } from '../lease/pool-countries';
import { sweepTimeouts } from './schedules';
import { writePoolSnapshot, type SnapshotDeps } from '../ops/pool-snapshot';
import { dynamoSnapshotStore } from '../ops/ops-table';

export interface MaintenanceDeps {
  readonly traces: TraceRepository;
  readonly waiters: LeaseWaiters;
  readonly admin: PoolAdmin;
  /** The countries the pool has IPs in (each has a waiter queue to sweep). */
  readonly countries: () => Promise<string[]>;
  readonly snapshots: SnapshotDeps;
  readonly clock: () => number;
  readonly config: Pick<MaintenanceConfig, 'runningDeadlineMs' | 'backoffMs'>;
}

export function makeDeps(config: MaintenanceConfig, clients: PipelineClients = pipelineClients()): MaintenanceDeps {
  const { doc } = clients;
  const { traces, waiters } = leaseParts(config, clients);
  return {
    traces,
    waiters,
    admin: createPoolAdmin({ doc, tables: { ipPool: config.tables.ipPool, ops: config.tables.ops }, clock: Date.now }),
    countries: () => knownCountries(doc, config.tables.ops),
    snapshots: { store: dynamoSnapshotStore({ doc, opsTable: config.tables.ops }) },
    clock: Date.now,
    config: { runningDeadlineMs: config.runningDeadlineMs, backoffMs: config.backoffMs },
  };
}

export function makeHandler(deps: MaintenanceDeps) {
  return eventHandler(async () => {
    const swept = await sweepTimeouts({
      traces: deps.traces,
      clock: deps.clock,
      runningDeadlineMs: deps.config.runningDeadlineMs,
      backoffMs: deps.config.backoffMs,
    });
    // Waiters past their patience end; interrupted hand-offs finish; IPs no release announced (expired
    // leases, imports, IPs enabled or healthy again) go to the longest waiters.
    const waiting = await deps.waiters.sweep(await deps.countries());
    metrics.addMetric('LeaseWaitExpired', MetricUnit.Count, waiting.expired);
    const now = deps.clock();
    const stats = await deps.admin.poolStats(now);
    // The minute's pool statistics: a snapshot in Ops for the monitor, and the same figures as EMF metrics.
    const snapshot = await writePoolSnapshot(deps.snapshots, stats, now);
    for (const m of snapshot.metrics) metrics.addMetric(m.name, MetricUnit[m.unit], m.value);
    metrics.addMetric('TraceTimedOut', MetricUnit.Count, swept.timedOut);
    metrics.addMetric('TraceDeadLettered', MetricUnit.Count, swept.deadLettered);
    if (stats.expiredLeases > 0) logger.warn('expired leases', { expiredLeases: stats.expiredLeases });
    return { ...swept, waiting, expiredLeases: stats.expiredLeases, utilization: stats.utilization };
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readMaintenanceConfig())));
