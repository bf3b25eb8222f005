/** RecordFailure: a failure without a result (no IP, crashed or timed-out task) → retry or dead letter. */
import { eventHandler } from '../shared/middleware';
import { metrics, MetricUnit } from '../shared/powertools';
import { recordFailureDeps } from './pipeline-deps';
import { recordFailure } from './tasks';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => {
  const stored = await recordFailure(recordFailureDeps(), state);
  // Every way a trace ends dead-lettered is counted: the alarm and the alert watch this metric.
  if (stored.status === 'dead_lettered') metrics.addMetric('TraceDeadLettered', MetricUnit.Count, 1);
  return stored;
});
