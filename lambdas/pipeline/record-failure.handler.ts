/** RecordFailure: a failure without a result (no IP, crashed or timed-out task) → retry or dead letter. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eventHandler } from '../shared/middleware';
import { dynamo } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { metrics, MetricUnit } from '../shared/powertools';
import { readRecordFailureConfig, type RecordFailureConfig } from './config';
import { traceRepository } from './pipeline-deps';
import { recordFailure, type TaskDeps } from './tasks';
import type { PipelineState } from './pipeline-state';

export type RecordFailureDeps = Pick<TaskDeps, 'clock' | 'traces' | 'config'>;

export function makeDeps(config: RecordFailureConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): RecordFailureDeps {
  return { clock: Date.now, traces: traceRepository(clients.doc, config.tracesTable, config.traceTtlDays), config: { backoffMs: config.backoffMs } };
}

export function makeHandler(deps: RecordFailureDeps) {
  return eventHandler(async (state: PipelineState) => {
    const stored = await recordFailure(deps, state);
    // Every way a trace ends dead-lettered is counted: the alarm and the alert watch this metric.
    if (stored.status === 'dead_lettered') metrics.addMetric('TraceDeadLettered', MetricUnit.Count, 1);
    return stored;
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readRecordFailureConfig())));
