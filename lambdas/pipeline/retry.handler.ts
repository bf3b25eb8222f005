/**
 * Retry schedule (every 5 minutes): due retries and timeouts re-enqueued, failed Trackier updates
 * retried, and clicks parked while SQS was down drained — last, since it is the one job without a
 * bound: it uses what is left of the invocation and stops in time for the next run to continue.
 * Parked clicks are sent once they are PARKED_SETTLE_MS old (parked-drain.ts says why).
 */
import type { Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { eventHandler } from '../shared/middleware';
import { dynamo, sqs } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { ParkedRequestTable, SqsTraceQueue } from '../traces/trace-queue';
import type { TraceRepository } from '../traces/trace-repository';
import { readRetryScheduleConfig, type RetryScheduleConfig } from './config';
import { traceRepository } from './pipeline-deps';
import { runRetries } from './schedules';
import { drainParked, PARKED_SETTLE_MS } from './parked-drain';
// Trackier's wiring, used only here: the schedule retries its failed URL2 updates.
// eslint-disable-next-line no-restricted-imports -- the retry schedule also retries Trackier's URL2 updates
import { readTrackierConfig, updateDeps, type TrackierRuntimeConfig } from '../trackier/runtime';
import { retryDueSideEffects, type UpdateDeps } from '../trackier/update-campaign';

/** The schedule's own settings and Trackier's, for the updates it retries. */
export interface RetryHandlerConfig {
  readonly schedule: RetryScheduleConfig;
  readonly trackier: TrackierRuntimeConfig;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): RetryHandlerConfig {
  return { schedule: readRetryScheduleConfig(env), trackier: readTrackierConfig(env) };
}

export interface RetryHandlerDeps {
  readonly traces: TraceRepository;
  readonly queue: SqsTraceQueue;
  readonly parked: ParkedRequestTable;
  readonly trackierUpdates: UpdateDeps;
  readonly clock: () => number;
}

export function makeDeps(config: RetryHandlerConfig, clients: { doc: DynamoDBDocumentClient; sqs: SQSClient } = { doc: dynamo(), sqs: sqs() }): RetryHandlerDeps {
  const { tables } = config.schedule;
  const trackierUpdates = updateDeps(clients.doc, { catalog: tables.catalog, ops: tables.ops }, config.trackier, (record) => {
    logger.error('trackier URL2 update failed for good', { offerId: record.offerId, pairNumber: record.pairNumber, traceId: record.traceId, error: record.lastError });
    metrics.addMetric('TrackierUpdateFailedFinal', MetricUnit.Count, 1);
  });
  return {
    traces: traceRepository(clients.doc, tables.traces, config.schedule.traceTtlDays),
    queue: new SqsTraceQueue(clients.sqs, config.schedule.traceQueueUrl),
    parked: new ParkedRequestTable(clients.doc, tables.ops),
    trackierUpdates,
    clock: Date.now,
  };
}

/** Left of the invocation when the drain stops starting batches: the ones in flight finish in it. */
const DRAIN_MARGIN_MS = 10_000;
/** SendMessageBatch calls in flight: ~10 × 10 messages per round trip. */
const DRAIN_CONCURRENCY = 10;

export function makeHandler(deps: RetryHandlerDeps) {
  const { queue, clock } = deps;
  return eventHandler(async (_event: unknown, context: Context) => {
    const retries = await runRetries({ traces: deps.traces, queue, clock });
    metrics.addMetric('TraceRetried', MetricUnit.Count, retries.requeued);
    // Failed Trackier URL2 updates (408/429/5xx) whose backoff has passed.
    const trackier = await retryDueSideEffects(deps.trackierUpdates, clock());
    metrics.addMetric('TrackierUpdateRetried', MetricUnit.Count, trackier.succeeded + trackier.rescheduled + trackier.failed);

    const deadline = clock() + context.getRemainingTimeInMillis();
    const parked = await drainParked({
      store: deps.parked,
      queue,
      clock,
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
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readConfig())));
