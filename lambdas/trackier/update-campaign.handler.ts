/**
 * UpdateTrackierCampaign (Step Functions task, after ReleaseLease when the request had a pair).
 * Input `{ traceId, pair: { offerId, pairNumber }, finalUrl, params, receivedAt? }` — or the whole
 * pipeline state, from which the same fields are taken (receivedAt: the request's clickedAt). Output `{ updated, sideEffectId?, reason? }`.
 * Trackier failures never throw (they become failed side effects); only our own infrastructure
 * failing (DynamoDB) does, and the state machine's Catch ends the execution normally then.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eventHandler } from '../shared/middleware';
import { dynamo } from '../shared/aws-clients';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { updateDeps } from './runtime';
import { updatePairCampaign, type UpdateCampaignInput, type UpdateCampaignOutput, type UpdateDeps } from './update-campaign';
import { handlerFromEnv, readConfig, type TrackierConfig } from './config';

export function makeDeps(config: TrackierConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): UpdateDeps {
  return updateDeps(clients.doc, config.tables, config.trackier, (record) => {
    logger.error('trackier URL2 update failed for good', { offerId: record.offerId, pairNumber: record.pairNumber, traceId: record.traceId, error: record.lastError });
    metrics.addMetric('TrackierUpdateFailedFinal', MetricUnit.Count, 1);
  });
}

interface PipelineLike {
  request?: { traceId?: string; clickedAt?: number; pair?: { offerId: string; pairNumber: number } };
  stored?: { finalUrl?: string; params?: Record<string, string>; truncated?: UpdateCampaignInput['truncated'] };
}

/** The task input, from the documented shape or from the pipeline state. */
export function normalizeInput(event: UpdateCampaignInput | PipelineLike): UpdateCampaignInput | undefined {
  if ('traceId' in event && typeof event.traceId === 'string' && 'pair' in event && event.pair) {
    const e = event as UpdateCampaignInput;
    return typeof e.finalUrl === 'string' ? { ...e, params: e.params ?? {} } : undefined;
  }
  const s = event as PipelineLike;
  if (!s.request?.traceId || !s.request.pair || typeof s.stored?.finalUrl !== 'string') return undefined;
  return {
    traceId: s.request.traceId,
    pair: s.request.pair,
    finalUrl: s.stored.finalUrl,
    params: s.stored.params ?? {},
    // When the webhook arrived (a retried trace keeps it): what orders this pair's URL2 updates.
    ...(typeof s.request.clickedAt === 'number' ? { receivedAt: s.request.clickedAt } : {}),
    ...(s.stored.truncated ? { truncated: s.stored.truncated } : {}),
  };
}

export function makeHandler(deps: UpdateDeps) {
  return eventHandler(async (event: UpdateCampaignInput | PipelineLike): Promise<UpdateCampaignOutput> => {
    const input = normalizeInput(event);
    if (!input) return { updated: false, reason: 'invalid_input' };
    const result = await updatePairCampaign(deps, input);
    logger.info('trackier URL2 update', { traceId: input.traceId, ...input.pair, ...result });
    metrics.addMetric(result.updated ? 'TrackierUpdate' : 'TrackierUpdateSkipped', MetricUnit.Count, 1);
    return result;
  });
}

export const handler = handlerFromEnv(() => makeHandler(makeDeps(readConfig())));
