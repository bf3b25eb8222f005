/**
 * Maintenance (every minute): stuck traces become timeouts; the pool's figures (expired leases
 * included — they need no cleanup, an expired lease is simply free) emitted as EMF metrics.
 */
import { eventHandler } from '../shared/middleware';
import { dynamo } from '../shared/aws-clients';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { createPoolAdmin } from '../lease/pool-admin';
import { pipelineConfig, tables, traceRepository } from './pipeline-deps';
import { sweepTimeouts } from './schedules';

export const handler = eventHandler(async () => {
  const cfg = pipelineConfig();
  const swept = await sweepTimeouts({
    traces: traceRepository(),
    clock: Date.now,
    runningDeadlineMs: cfg.runningDeadlineMs,
    backoffMs: cfg.backoffMs,
  });
  const stats = await createPoolAdmin({ doc: dynamo(), tables: { ipPool: tables().ipPool, ops: tables().ops }, clock: Date.now }).poolStats();
  metrics.addMetric('TraceTimedOut', MetricUnit.Count, swept.timedOut);
  metrics.addMetric('TraceDeadLettered', MetricUnit.Count, swept.deadLettered);
  metrics.addMetric('PoolUtilization', MetricUnit.Percent, Math.round(stats.utilization * 1000) / 10);
  metrics.addMetric('AvailableIps', MetricUnit.Count, stats.byState.available);
  metrics.addMetric('UnhealthyIps', MetricUnit.Count, stats.byState.unhealthy);
  metrics.addMetric('ExpiredLeases', MetricUnit.Count, stats.expiredLeases);
  if (stats.expiredLeases > 0) logger.warn('expired leases', { expiredLeases: stats.expiredLeases });
  return { ...swept, expiredLeases: stats.expiredLeases, utilization: stats.utilization };
});
