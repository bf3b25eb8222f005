/** ReleaseLease: give the IP back with the outcome that decides its health; say whether the lease still held. */
import { eventHandler } from '../shared/middleware';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { readReleaseLeaseConfig, type ReleaseLeaseConfig } from './config';
import { leaseParts, pipelineClients, type PipelineClients } from './pipeline-deps';
import { releaseLease, type TaskDeps } from './tasks';
import type { PipelineState } from './pipeline-state';

export type ReleaseLeaseDeps = Pick<TaskDeps, 'clock' | 'traces' | 'pool' | 'waiters'>;

export function makeDeps(config: ReleaseLeaseConfig, clients: PipelineClients = pipelineClients()): ReleaseLeaseDeps {
  const { traces, pool, waiters } = leaseParts(config, clients);
  return { clock: Date.now, traces, pool, waiters };
}

export function makeHandler(deps: ReleaseLeaseDeps) {
  return eventHandler(async (state: PipelineState) => {
    const release = await releaseLease(
      { ...deps, onHandOffError: (error) => logger.warn('IP not handed to a waiting trace; the sweep will', { error: error as Error }) },
      state,
    );
    if (release.reason === 'lease_lost') {
      // The trace overran its lease and the IP went to another trace: StoreResult will not keep the result.
      logger.warn('lease lost before release', { traceId: state.request.traceId, ipId: state.lease?.ipId, fence: state.lease?.fence });
      metrics.addMetric('LeaseLost', MetricUnit.Count, 1);
    }
    return release;
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readReleaseLeaseConfig())));
