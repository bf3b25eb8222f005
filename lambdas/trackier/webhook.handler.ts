/**
 * GET|POST /webhooks/trackier — Trackier's S2S postback. token and campaign_id come from the
 * query or from a form or JSON body (query wins). 200 when accepted; 429 with Retry-After when an
 * accepted pair or address is over its rate limit. Every miss — unknown token, closed route,
 * disabled pair, bad signature, whatever the reason — gets the same bare 404, no sooner than the
 * miss floor after it arrived, and writes nothing; the reason goes to the log only.
 *
 * A postback waits on this function's cold start, so it calls DynamoDB, SQS and Secrets Manager
 * through the lean JSON-protocol client (lambdas/shared/aws-json-client.ts) instead of the SDK's
 * generated clients, and imports no zod: `npm run bench:cold` measures it against hello-world.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { httpHandler } from '../shared/middleware';
import { bodyText, header, json, type HttpEvent, type HttpResult } from '../shared/http';
import { awsJsonClientFromEnv, DYNAMODB, SECRETS_MANAGER, SQS, type AwsJsonClient } from '../shared/aws-json-client';
import { AwsJsonDocumentStore } from '../shared/document-store';
import { leanSecretSource } from '../shared/lean-secrets';
import { FAST_QUEUE } from '../shared/fast-queue';
import { PayloadTooLargeError } from '../shared/errors';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { CachedOfferStore } from '../offers/offer-cache';
import { LeanOfferStore, LeanParkingTable, LeanTraceQueue } from '../click/lean-adapters';
import { DurableTraceSink } from '../traces/trace-sink';
import { newTraceId } from '../traces/trace-request';
import { PairReads } from './pair-reads';
import { TableWebhookLog, handleWebhook, holdMiss, repositoryLookup, type WebhookDeps } from './webhook-use-case';
import { OpsRateLimiter, OpsReplayGuard } from './webhook-limits';
import { signingMasterFromSecret } from './webhook-signature';
import { handlerFromEnv, readConfig, traceQueueUrl, type TrackierConfig } from './config';

/** The lean clients the webhook calls AWS through. */
export interface WebhookClients {
  readonly dynamodb: AwsJsonClient;
  readonly sqs: AwsJsonClient;
  readonly secrets: AwsJsonClient;
}

/** Region, credentials and endpoints as Lambda (or the local stack) gives them in the environment. */
export function webhookClients(env: NodeJS.ProcessEnv = process.env): WebhookClients {
  return {
    dynamodb: awsJsonClientFromEnv(DYNAMODB, {}, env),
    // A queue that does not answer at once is parked around (DurableTraceSink), not waited on.
    sqs: awsJsonClientFromEnv(SQS, FAST_QUEUE, env),
    secrets: awsJsonClientFromEnv(SECRETS_MANAGER, {}, env),
  };
}

export interface WebhookHandlerDeps {
  readonly webhook: WebhookDeps;
  /** Every miss answers no sooner than this after it arrived, ms. */
  readonly missFloorMs: number;
}

export function makeDeps(config: TrackierConfig, clients: WebhookClients = webhookClients()): WebhookHandlerDeps {
  const { catalog, ops } = config.tables;
  const db = new AwsJsonDocumentStore(clients.dynamodb);
  const pairs = new PairReads(db, catalog);
  return {
    missFloorMs: config.guards.missFloorMs,
    webhook: {
      lookup: repositoryLookup(pairs),
      pairs,
      // Turning an offer's legacy routes on or off takes effect within this TTL.
      offers: new CachedOfferStore(new LeanOfferStore(clients.dynamodb, catalog), { ttlMs: config.offerCacheTtlMs }),
      sink: new DurableTraceSink(new LeanTraceQueue(clients.sqs, traceQueueUrl(config)), new LeanParkingTable(clients.dynamodb, ops), Date.now, {
        onQueueError: (error, request) => logger.warn('trace queue unavailable, parking the webhook trace', { traceId: request.traceId, error: error as Error }),
        onParkError: (error, request) => logger.error('webhook trace could not be queued nor parked', { request, error: error as Error }),
      }),
      log: new TableWebhookLog(db, ops, config.trackier.webhookLogRetentionDays),
      clock: Date.now,
      newTraceId,
      limiter: new OpsRateLimiter(db, ops, config.guards.rateWindowMs),
      limits: config.guards.limits,
      // The master of the pairs' signing keys: the Trackier secret's `webhookSigningKey`.
      signingMaster: signingMasterFromSecret({ source: leanSecretSource(clients.secrets), clock: Date.now }, { secretId: config.trackier.secretId }),
      replay: new OpsReplayGuard(db, ops),
      onLogError: (error: unknown) => logger.warn('webhook log write failed', { error: error as Error }),
    },
  };
}

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
        Object.entries(parsed as Record<string, unknown>).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : typeof v === 'number' ? [[k, String(v)]] : [])),
      );
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

export function makeHandler(deps: WebhookHandlerDeps) {
  return httpHandler(async (event) => {
    const startedAt = Date.now();
    const fromBody = event.requestContext.http.method === 'POST' ? bodyParams(event) : {};
    const all: Record<string, string | undefined> = { ...fromBody, ...event.queryStringParameters };
    const { token, campaign_id: campaignId, ...params } = all;
    const outcome = await handleWebhook(deps.webhook, { token, campaignId, params, method: event.requestContext.http.method, sourceIp: event.requestContext.http.sourceIp });
    switch (outcome.kind) {
      case 'not_found':
        logger.info('trackier webhook not routed', { reason: outcome.reason, hasToken: !!token, hasCampaignId: !!campaignId });
        metrics.addMetric('TrackierWebhookUnrouted', MetricUnit.Count, 1);
        await holdMiss(startedAt, deps.missFloorMs, Date.now, (ms) => sleep(ms));
        return NOT_FOUND;
      case 'rate_limited':
        logger.warn('trackier webhook rate limited', { scope: outcome.scope, offerId: outcome.offerId, pairNumber: outcome.pairNumber, retryAfterS: outcome.retryAfterS });
        metrics.addMetric('TrackierWebhookRateLimited', MetricUnit.Count, 1);
        return json(429, { error: 'rate_limited' }, { 'retry-after': String(outcome.retryAfterS) });
      case 'accepted':
        logger.info('trackier webhook', {
          route: outcome.route,
          offerId: outcome.offerId,
          pairNumber: outcome.pairNumber,
          traceId: outcome.traceId,
          submit: outcome.submit,
        });
        metrics.addMetric('TrackierWebhook', MetricUnit.Count, 1);
        return json(200, { status: 'accepted' });
    }
  });
}

export const handler = handlerFromEnv(() => makeHandler(makeDeps(readConfig())));
