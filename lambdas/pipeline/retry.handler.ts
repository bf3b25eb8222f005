/**
 * Retry schedule (every 5 minutes): due retries and timeouts re-enqueued, failed Trackier updates
 * retried, and clicks parked while SQS was down drained — last, since it is the one job without a
 * bound: it uses what is left of the invocation and stops in time for the next run to continue.
 * Parked clicks are sent once they are PARKED_SETTLE_MS old (parked-drain.ts says why).
 */
import type { Context } from 'aws-lambda';
import { eventHandler } from '../shared/middleware';
import { dynamo, sqs } from '../shared/aws-clients';
import { requireEnv } from '../shared/config';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { queueUrlEnv } from '../../contracts/manifest/env';
import { ParkedRequestTable, SqsTraceQueue } from '../traces/trace-queue';
import { tables, traceRepository } from './pipeline-deps';
import { runRetries } from './schedules';
import { drainParked, PARKED_SETTLE_MS } from './parked-drain';
// eslint-disable-next-line no-restricted-imports -- being moved
import { readTrackierConfig, updateDeps } from '../trackier/runtime';
import { retryDueSideEffects } from '../trackier/update-campaign';

const queue = new SqsTraceQueue(sqs(), requireEnv(queueUrlEnv('TraceRequests')));

const trackierUpdates = updateDeps(dynamo(), { catalog: tables().catalog, ops: tables().ops }, readTrackierConfig(), (record) => {
  logger.error('trackier URL2 update failed for good', { offerId: record.offerId, pairNumber: record.pairNumber, traceId: record.traceId, error: record.lastError });
  metrics.addMetric('TrackierUpdateFailedFinal', MetricUnit.Count, 1);
});

/** Left of the invocation when the drain stops starting batches: the ones in flight finish in it. */
const DRAIN_MARGIN_MS = 10_000;
/** SendMessageBatch calls in flight: ~10 × 10 messages per round trip. */
const DRAIN_CONCURRENCY = 10;

export const handler = eventHandler(async (_event: unknown, context: Context) => {
  const retries = await runRetries({ traces: traceRepository(), queue, clock: Date.now });
  metrics.addMetric('TraceRetried', MetricUnit.Count, retries.requeued);
  // Failed Trackier URL2 updates (408/429/5xx) whose backoff has passed.
  const trackier = await retryDueSideEffects(trackierUpdates, Date.now());
  metrics.addMetric('TrackierUpdateRetried', MetricUnit.Count, trackier.succeeded + trackier.rescheduled + trackier.failed);

  const deadline = Date.now() + context.getRemainingTimeInMillis();
  const parked = await drainParked({
    store: new ParkedRequestTable(dynamo(), tables().ops),
    queue,
    clock: Date.now,
    settleMs: PARKED_SETTLE_MS,
    stopAt: deadline - DRAIN_MARGIN_MS,
    // Held until the invocation ends: no other run sends what this one may still be sending.
    leaseUntil: deadline,
    concurrency: DRAIN_CONCURRENCY,
    onError: (what, error) => logger.warn(`parked drain: ${what} failed`, { error: error as Error }),
  });
  metrics.addMetric('ParkedClickSent', MetricUnit.Count, parked.sent);
  if (parked.reparked) logger.warn('parked clicks refused by SQS, parked again for a later run', { reparked: parked.reparked });
  if (parked.busy) logger.warn('parked drain held by another run: skipped');
  else if (!parked.complete) logger.warn('parked clicks left for the next run', { ...parked });
  if (retries.errors) logger.warn('retry schedule had errors', { ...retries });
  return { ...retries, parked, trackier };
});
