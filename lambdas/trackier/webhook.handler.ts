/**
 * GET|POST /webhooks/trackier — Trackier's S2S postback. token and campaign_id come from the
 * query or from a form or JSON body (query wins). 200 when accepted; 429 with Retry-After when an
 * accepted pair or address is over its rate limit. Every miss — unknown token, closed route,
 * disabled pair, bad signature, whatever the reason — gets the same bare 404, no sooner than the
 * miss floor after it arrived, and writes nothing; the reason goes to the log only.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { httpHandler } from '../shared/middleware';
import { bodyText, header, json, type HttpEvent, type HttpResult } from '../shared/http';
import { dynamo, fastSqs } from '../shared/aws-clients';
import { numberEnv, requireEnv } from '../shared/config';
import { PayloadTooLargeError } from '../shared/errors';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { ENV, queueUrlEnv, tableEnv } from '../../contracts/manifest/env';
import { DynamoOfferRepository } from '../offers/offer-repository';
import { CachedOfferStore } from '../offers/offer-cache';
import { ParkingTable, SqsTraceQueue } from '../traces/trace-queue';
import { DurableTraceSink } from '../traces/trace-sink';
import { newTraceId } from '../traces/trace-request';
import { PairRepository } from './pair-repository';
import { OpsWebhookLog, handleWebhook, holdMiss, repositoryLookup, type WebhookDeps } from './webhook';
import { OpsRateLimiter, OpsReplayGuard } from './webhook-limits';
import { readTrackierConfig, readWebhookGuardConfig, signingMaster } from './runtime';

const tables = { catalog: requireEnv(tableEnv('Catalog')), ops: requireEnv(tableEnv('Ops')) };
const queueUrl = requireEnv(queueUrlEnv('TraceRequests'));
const config = readTrackierConfig();
const guards = readWebhookGuardConfig();
const pairs = new PairRepository(dynamo(), tables.catalog);
const deps: WebhookDeps = {
  lookup: repositoryLookup(pairs),
  pairs,
  // Turning an offer's legacy routes on or off takes effect within this TTL.
  offers: new CachedOfferStore(new DynamoOfferRepository(dynamo(), tables.catalog), { ttlMs: numberEnv(ENV.offerCacheTtlMs, 30_000) }),
  sink: new DurableTraceSink(new SqsTraceQueue(fastSqs(), queueUrl), new ParkingTable(dynamo(), tables.ops), Date.now, {
    onQueueError: (error, request) => logger.warn('trace queue unavailable, parking the webhook trace', { traceId: request.traceId, error: error as Error }),
    onParkError: (error, request) => logger.error('webhook trace could not be queued nor parked', { request, error: error as Error }),
  }),
  log: new OpsWebhookLog(dynamo(), tables.ops, config.webhookLogRetentionDays),
  clock: Date.now,
  newTraceId,
  limiter: new OpsRateLimiter(dynamo(), tables.ops, guards.rateWindowMs),
  limits: guards.limits,
  signingMaster: signingMaster(config),
  replay: new OpsReplayGuard(dynamo(), tables.ops),
  onLogError: (error: unknown) => logger.warn('webhook log write failed', { error: error as Error }),
};

const MAX_BODY_BYTES = 16 * 1024;
const NOT_FOUND: HttpResult = json(404, { error: 'not_found' });

/** Form or JSON body fields as strings (other JSON values are ignored). */
export function bodyParams(event: HttpEvent): Record<string, string> {
  const raw = bodyText(event);
  if (!raw) return {};
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw new PayloadTooLargeError(`body larger than ${MAX_BODY_BYTES} bytes`);
  const type = (header(event, 'content-type') ?? '').toLowerCase();
  if (type.includes('json') || /^\s*\{/.test(raw)) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
      return Object.fromEntries(
        Object.entries(parsed as Record<string, unknown>).flatMap(([k, v]) =>
          typeof v === 'string' ? [[k, v]] : typeof v === 'number' ? [[k, String(v)]] : [],
        ),
      );
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

export const handler = httpHandler(async (event) => {
  const startedAt = Date.now();
  const fromBody = event.requestContext.http.method === 'POST' ? bodyParams(event) : {};
  const all: Record<string, string | undefined> = { ...fromBody, ...event.queryStringParameters };
  const { token, campaign_id: campaignId, ...params } = all;
  const outcome = await handleWebhook(deps, { token, campaignId, params, method: event.requestContext.http.method, sourceIp: event.requestContext.http.sourceIp });
  switch (outcome.kind) {
    case 'not_found':
      logger.info('trackier webhook not routed', { reason: outcome.reason, hasToken: !!token, hasCampaignId: !!campaignId });
      metrics.addMetric('TrackierWebhookUnrouted', MetricUnit.Count, 1);
      await holdMiss(startedAt, guards.missFloorMs, Date.now, (ms) => sleep(ms));
      return NOT_FOUND;
    case 'rate_limited':
      logger.warn('trackier webhook rate limited', { scope: outcome.scope, offerId: outcome.offerId, pairNumber: outcome.pairNumber, retryAfterS: outcome.retryAfterS });
      metrics.addMetric('TrackierWebhookRateLimited', MetricUnit.Count, 1);
      return json(429, { error: 'rate_limited' }, { 'retry-after': String(outcome.retryAfterS) });
    case 'accepted':
      logger.info('trackier webhook', { route: outcome.route, offerId: outcome.offerId, pairNumber: outcome.pairNumber, traceId: outcome.traceId, submit: outcome.submit });
      metrics.addMetric('TrackierWebhook', MetricUnit.Count, 1);
      return json(200, { status: 'accepted' });
  }
});
