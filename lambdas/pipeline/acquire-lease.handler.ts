/**
 * AcquireLease, a callback task (its token in the input): mark the trace running, then lease an IP
 * and answer the token at once, or queue the trace for the next IP its country frees.
 */
import { eventHandler } from '../shared/middleware';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { metrics, MetricUnit } from '../shared/powertools';
import { readAcquireLeaseConfig, type AcquireLeaseConfig } from './config';
import { cachedOffers, leaseParts, pipelineClients, type PipelineClients } from './pipeline-deps';
import { DynamoTracerMemory } from './tracer-memory';
import { acquireLease, type AcquireInput, type TaskDeps } from './tasks';

export type AcquireLeaseDeps = Pick<TaskDeps, 'clock' | 'traces' | 'pool' | 'offers' | 'memory' | 'waiters' | 'tokens'>;

export function makeDeps(config: AcquireLeaseConfig, clients: PipelineClients = pipelineClients()): AcquireLeaseDeps {
  return {
    clock: Date.now,
    ...leaseParts(config, clients),
    offers: cachedOffers(clients.doc, config.tables.catalog, config.offerCacheTtlMs),
    memory: new DynamoTracerMemory(clients.doc, config.tables.tracerMemory),
  };
}

export function makeHandler(deps: AcquireLeaseDeps) {
  return eventHandler(async (input: AcquireInput) => {
    const outcome = await acquireLease(deps, input);
    if (outcome === 'queued') metrics.addMetric('LeaseQueued', MetricUnit.Count, 1);
    return { outcome };
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readAcquireLeaseConfig())));
