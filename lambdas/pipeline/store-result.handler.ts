/** StoreResult: keep the result only if the lease held until the release; decide completed / retry / failed. */
import { eventHandler } from '../shared/middleware';
import { metrics, MetricUnit } from '../shared/powertools';
import { storeResultDeps } from './pipeline-deps';
import { storeResult } from './tasks';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => {
  const stored = await storeResult(storeResultDeps(), state);
  // Every way a trace ends dead-lettered is counted: the alarm and the alert watch this metric.
  if (stored.status === 'dead_lettered') metrics.addMetric('TraceDeadLettered', MetricUnit.Count, 1);
  return stored;
});
