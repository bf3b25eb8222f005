/** Retry schedule (every 5 minutes): due retries and timeouts re-enqueued, parked clicks sent on. */
import { eventHandler } from '../shared/middleware';
import { dynamo, sqs } from '../shared/aws-clients';
import { requireEnv } from '../shared/config';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { queueUrlEnv } from '../../lib/manifest/env';
import { SqsTraceQueue } from '../adapters/trace-queue';
import { tables, traceRepository } from './pipeline-deps';
import { runRetries } from './schedules';
import { readTrackierConfig, updateDeps } from '../trackier/runtime';
import { retryDueSideEffects } from '../trackier/update-campaign';

const queue = new SqsTraceQueue(sqs(), requireEnv(queueUrlEnv('TraceRequests')));

const trackierUpdates = updateDeps(dynamo(), { catalog: tables().catalog, ops: tables().ops }, readTrackierConfig());

export const handler = eventHandler(async () => {
  const summary = await runRetries({ traces: traceRepository(), queue, doc: dynamo(), opsTable: tables().ops, clock: Date.now });
  metrics.addMetric('TraceRetried', MetricUnit.Count, summary.requeued);
  metrics.addMetric('ParkedClickSent', MetricUnit.Count, summary.parkedSent);
  if (summary.errors) logger.warn('retry schedule had errors', { ...summary });
  // Failed Trackier URL2 updates (408/429/5xx) whose backoff has passed.
  const trackier = await retryDueSideEffects(trackierUpdates, Date.now());
  metrics.addMetric('TrackierUpdateRetried', MetricUnit.Count, trackier.succeeded + trackier.rescheduled + trackier.failed);
  return { ...summary, trackier };
});
