/**
 * AcquireLease, a callback task (its token in the input): mark the trace running, then lease an IP
 * and answer the token at once, or queue the trace for the next IP its country frees.
 */
import { eventHandler } from '../shared/middleware';
import { metrics, MetricUnit } from '../shared/powertools';
import { acquireLeaseDeps } from './pipeline-deps';
import { acquireLease, type AcquireInput } from './tasks';

export const handler = eventHandler(async (input: AcquireInput) => {
  const outcome = await acquireLease(acquireLeaseDeps(), input);
  if (outcome === 'queued') metrics.addMetric('LeaseQueued', MetricUnit.Count, 1);
  return { outcome };
});
