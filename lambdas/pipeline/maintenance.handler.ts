/**
 * Maintenance (every minute): stuck traces become timeouts; the lease-waiter queue swept; a pool statistics snapshot (expired
 * leases included — they need no cleanup, an expired lease is simply free) written to Ops and
 * emitted as EMF metrics.
 */
import { eventHandler } from '../shared/middleware';
import { dynamo } from '../shared/aws-clients';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { createPoolAdmin } from '../lease/pool-admin';
import { leaseWaiters, pipelineConfig, tables, traceRepository } from './pipeline-deps';
import { knownCountries } from '../lease/pool-countries';
import { sweepTimeouts } from './schedules';
import { writePoolSnapshot } from '../ops/pool-snapshot';
import { dynamoSnapshotStore } from '../ops/ops-table';

export const handler = eventHandler(async () => {
  const cfg = pipelineConfig();
  const swept = await sweepTimeouts({
    traces: traceRepository(),
    clock: Date.now,
    runningDeadlineMs: cfg.runningDeadlineMs,
    backoffMs: cfg.backoffMs,
  });
  // Waiters past their patience end; interrupted hand-offs finish; IPs no release announced (expired
  // leases, imports, IPs enabled or healthy again) go to the longest waiters.
  const waiting = await leaseWaiters().sweep(await knownCountries(dynamo(), tables().ops));
  metrics.addMetric('LeaseWaitExpired', MetricUnit.Count, waiting.expired);
  const now = Date.now();
  const stats = await createPoolAdmin({ doc: dynamo(), tables: { ipPool: tables().ipPool, ops: tables().ops }, clock: Date.now }).poolStats(now);
  // The minute's pool statistics: a snapshot in Ops for the monitor, and the same figures as EMF metrics.
  const snapshot = await writePoolSnapshot({ store: dynamoSnapshotStore({ doc: dynamo(), opsTable: tables().ops }) }, stats, now);
  for (const m of snapshot.metrics) metrics.addMetric(m.name, MetricUnit[m.unit], m.value);
  metrics.addMetric('TraceTimedOut', MetricUnit.Count, swept.timedOut);
  metrics.addMetric('TraceDeadLettered', MetricUnit.Count, swept.deadLettered);
  if (stats.expiredLeases > 0) logger.warn('expired leases', { expiredLeases: stats.expiredLeases });
  return { ...swept, waiting, expiredLeases: stats.expiredLeases, utilization: stats.utilization };
});
