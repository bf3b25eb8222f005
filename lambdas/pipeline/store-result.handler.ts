/** StoreResult: keep the result only if the lease held until the release; decide completed / retry / failed. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eventHandler } from '../shared/middleware';
import { dynamo } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { OfferHistoryStore } from '../offers/offer-history-store';
import { readStoreResultConfig, type StoreResultConfig } from './config';
import { traceRepository } from './pipeline-deps';
import { DynamoTracerMemory } from './tracer-memory';
import { storeResult, type TaskDeps } from './tasks';
import type { PipelineState } from './pipeline-state';

export type StoreResultDeps = Pick<TaskDeps, 'clock' | 'traces' | 'memory' | 'config' | 'history' | 'onHistoryError'>;

export function makeDeps(config: StoreResultConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): StoreResultDeps {
  return {
    clock: Date.now,
    traces: traceRepository(clients.doc, config.tables.traces, config.traceTtlDays),
    memory: new DynamoTracerMemory(clients.doc, config.tables.tracerMemory),
    config: { backoffMs: config.backoffMs },
    history: new OfferHistoryStore(clients.doc, config.tables.ops),
    onHistoryError: (error, traceId) => {
      logger.warn('resolution history not recorded; the trace is stored', { traceId, error: error as Error });
      metrics.addMetric('OfferHistoryWriteFailed', MetricUnit.Count, 1);
    },
  };
}

export function makeHandler(deps: StoreResultDeps) {
  return eventHandler(async (state: PipelineState) => {
    const stored = await storeResult(deps, state);
    // Every way a trace ends dead-lettered is counted: the alarm and the alert watch this metric.
    if (stored.status === 'dead_lettered') metrics.addMetric('TraceDeadLettered', MetricUnit.Count, 1);
    return stored;
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readStoreResultConfig())));
