/** ReleaseLease: give the IP back with the outcome that decides its health; say whether the lease still held. */
import { eventHandler } from '../shared/middleware';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { releaseLeaseDeps } from './pipeline-deps';
import { releaseLease } from './tasks';
import type { PipelineState } from './pipeline-state';

export const handler = eventHandler(async (state: PipelineState) => {
  const release = await releaseLease(
    { ...releaseLeaseDeps(), onHandOffError: (error) => logger.warn('IP not handed to a waiting trace; the sweep will', { error: error as Error }) },
    state,
  );
  if (release.reason === 'lease_lost') {
    // The trace overran its lease and the IP went to another trace: StoreResult will not keep the result.
    logger.warn('lease lost before release', { traceId: state.request.traceId, ipId: state.lease?.ipId, fence: state.lease?.fence });
    metrics.addMetric('LeaseLost', MetricUnit.Count, 1);
  }
  return release;
});
