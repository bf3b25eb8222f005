/**
 * GET /c/{offerId} and GET /track-hit-instant?offer=…: 302 at once, trace request queued.
 * Thin: parse the event, call handleClick, shape the response.
 */
import type { Context } from 'aws-lambda';
import { httpHandler } from '../shared/middleware';
import { header, html, redirect, escapeHtml, type HttpEvent, type HttpResult } from '../shared/http';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { awsJsonClientFromEnv, DYNAMODB, SQS } from '../shared/aws-json-client';
import { FAST_QUEUE } from '../shared/fast-queue';
import { numberEnv, optionalEnv, requireEnv } from '../shared/config';
import { ENV, queueUrlEnv, tableEnv } from '../../lib/manifest/env';
import { CachedOfferStore } from '../offers/offer-cache';
import { DurableTraceSink } from '../adapters/trace-sink';
import { LeanBotSkipStore, LeanOfferStore, LeanParkingTable, LeanTraceQueue } from '../adapters/lean-adapters';
import { BotSkipCounter } from './bot-skips';
import { newTraceId } from '../trace-requests/trace-request';
import { handleClick, type ClickOutcome } from './click-use-case';
import { countryFromHeaders } from './click-context';
import type { GeoLookup } from '../geo/geo-lookup';
import path from 'node:path';

const config = {
  catalogTable: requireEnv(tableEnv('Catalog')),
  opsTable: requireEnv(tableEnv('Ops')),
  queueUrl: requireEnv(queueUrlEnv('TraceRequests')),
  cacheTtlMs: numberEnv(ENV.offerCacheTtlMs, 30_000),
  fallbackUrl: optionalEnv(ENV.fallbackUrl),
};
if (config.fallbackUrl && !/^https?:\/\//.test(config.fallbackUrl)) {
  throw new Error(`${ENV.fallbackUrl} must be an absolute http(s) URL`);
}

// The lean JSON-protocol client, not the SDK's generated clients: the click is the one path where
// cold start is user-visible (see lambdas/shared/aws-json-client.ts). DynamoDB keeps the SDK's
// default of three attempts; SQS gets a short timeout and one retry, then the request is parked.
const dynamodb = awsJsonClientFromEnv(DYNAMODB);
const sqs = awsJsonClientFromEnv(SQS, FAST_QUEUE);

export const offerCache = new CachedOfferStore(new LeanOfferStore(dynamodb, config.catalogTable), {
  ttlMs: config.cacheTtlMs,
});

const sink = new DurableTraceSink(
  new LeanTraceQueue(sqs, config.queueUrl),
  new LeanParkingTable(dynamodb, config.opsTable),
  Date.now,
  {
    onQueueError: (error, request) => {
      logger.warn('trace queue unavailable, parking the request', { traceId: request.traceId, error: error as Error });
      metrics.addMetric('ClickParked', MetricUnit.Count, 1);
    },
    onParkError: (error, request) => {
      // Last resort: the full request in the log, which CloudWatch Logs keeps and an operator can replay.
      logger.error('trace request could not be queued nor parked', { request, error: error as Error });
      metrics.addMetric('ClickLost', MetricUnit.Count, 1);
    },
  },
);

// Clicks skipped as automated, counted per offer and hour for the trace list's hint; written after
// the response, never failing or slowing the click (see bot-skips.ts).
export const botSkips = new BotSkipCounter(new LeanBotSkipStore(dynamodb, config.opsTable), (error, lost) =>
  logger.warn('bot-skip count not written', { lost, error: error as Error }),
);

// The geo module and its country database (8 MB) are loaded on the first `auto` click without a
// viewer-country header, never at cold start: most offers name their country.
let geo: Promise<GeoLookup> | undefined;
const clickGeo = (): Promise<GeoLookup> => {
  geo ??= import('../geo/geo-lookup').then(({ countryGeoLookup, geoLookupFromFiles }) => {
    const dir = optionalEnv(ENV.geoDbDir);
    const onError = (error: Error) => logger.error('country database unavailable', { error });
    return dir ? geoLookupFromFiles({ combined: path.join(dir, 'dbip-country.mmdb') }, onError) : countryGeoLookup(onError);
  });
  return geo;
};

const NOT_FOUND_PAGE = (offerId: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Offer not found</title></head>` +
  `<body><h1>Offer not found</h1><p>The offer <code>${escapeHtml(offerId.slice(0, 64))}</code> does not exist or is no longer active.</p></body></html>`;

async function click(event: HttpEvent, _context: Context): Promise<HttpResult> {
  const offerId = event.pathParameters?.offerId ?? event.queryStringParameters?.offer;
  const query = { ...event.queryStringParameters };
  delete query.offer;
  const outcome = await handleClick(
    { offers: offerCache, sink, clock: Date.now, newTraceId },
    {
      offerId,
      method: event.requestContext.http.method,
      query,
      userAgent: header(event, 'user-agent'),
      clickCountry: async () =>
        countryFromHeaders((name) => header(event, name)) ?? (await clickGeo()).lookup(event.requestContext.http.sourceIp)?.country,
    },
  );
  return respond(outcome, offerId ?? '');
}

function respond(outcome: ClickOutcome, offerId: string): HttpResult {
  if (outcome.kind === 'unknown_offer') {
    logger.info('unknown offer', { reason: outcome.reason, offerId: offerId.slice(0, 64) });
    metrics.addMetric('ClickUnknownOffer', MetricUnit.Count, 1);
    return config.fallbackUrl ? redirect(config.fallbackUrl) : html(404, NOT_FOUND_PAGE(offerId));
  }
  metrics.addMetric('Click', MetricUnit.Count, 1);
  if (outcome.trace === 'skipped_bot') {
    metrics.addMetric('ClickSkippedBot', MetricUnit.Count, 1);
    botSkips.record(outcome.offerId, Date.now());
  }
  if (outcome.dropped.length) logger.info('parameters dropped', { offerId: outcome.offerId, dropped: outcome.dropped });
  logger.info('click', { offerId: outcome.offerId, traceId: outcome.traceId, trace: outcome.trace });
  return redirect(outcome.location);
}

export const handler = httpHandler(click);
