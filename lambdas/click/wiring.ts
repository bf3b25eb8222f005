/**
 * The click's collaborators built from its configuration (makeDeps) and the handler over them
 * (makeHandler): parse the event, call handleClick, shape the response. click.handler.ts builds
 * both from the environment; tests build them from a config and their own clients.
 */
import type { Context } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { httpHandler } from '../shared/middleware';
import { header, html, redirect, escapeHtml, type HttpEvent, type HttpResult } from '../shared/http';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { awsJsonClientFromEnv, DYNAMODB, SQS, type AwsJsonClient } from '../shared/aws-json-client';
import { FAST_QUEUE } from '../shared/fast-queue';
import { CachedOfferStore } from '../offers/offer-cache';
import { DurableTraceSink, type SubmitOutcome, type TraceRequestSink } from '../traces/trace-sink';
import { LeanBotSkipStore, LeanOfferStore, LeanParkingTable, LeanTraceQueue } from './lean-adapters';
import { BotSkipCounter, PAUSED_SKIPS_PK_PREFIX } from './bot-skips';
import { newTraceId, type TraceRequest } from '../traces/trace-request';
import { handleClick, type ClickOutcome } from './click-use-case';
import { trustedCountry } from './click-context';
import type { ClickConfig } from './config';

export interface ClickClients {
  readonly dynamodb: AwsJsonClient;
  readonly sqs: AwsJsonClient;
}

/**
 * The lean JSON-protocol client, not the SDK's generated clients: the click is the one path where
 * cold start is user-visible (see lambdas/shared/aws-json-client.ts). DynamoDB keeps the SDK's
 * default of three attempts; SQS gets a short timeout and one retry, then the request is parked.
 * Neither can hold the click past its budget (click-use-case.ts).
 */
export function clickClients(): ClickClients {
  return { dynamodb: awsJsonClientFromEnv(DYNAMODB), sqs: awsJsonClientFromEnv(SQS, FAST_QUEUE) };
}

export interface ClickDeps {
  readonly offers: CachedOfferStore;
  readonly sink: TraceRequestSink;
  readonly botSkips: BotSkipCounter;
  /** Clicks on offers whose tracing is paused, counted the same way. */
  readonly pausedSkips: BotSkipCounter;
  readonly clock: () => number;
  readonly config: ClickConfig;
}

export function makeDeps(config: ClickConfig, clients: ClickClients = clickClients()): ClickDeps {
  const offers = new CachedOfferStore(new LeanOfferStore(clients.dynamodb, config.catalogTable), {
    ttlMs: config.cacheTtlMs,
    maxStaleMs: config.maxStaleMs,
  });
  const sink = new DurableTraceSink(new LeanTraceQueue(clients.sqs, config.queueUrl), new LeanParkingTable(clients.dynamodb, config.opsTable), Date.now, {
    onQueueError: (error, request) => {
      logger.warn('trace queue unavailable, parking the request', { traceId: request.traceId, error: error as Error });
      metrics.addMetric('ClickParked', MetricUnit.Count, 1);
    },
    onParkError: (error, request) => {
      // Last resort: the full request in the log, which CloudWatch Logs keeps and an operator can replay.
      logger.error('trace request could not be queued nor parked', { request, error: error as Error });
      metrics.addMetric('ClickLost', MetricUnit.Count, 1);
    },
  });
  // Clicks skipped as automated, counted per offer and hour for the trace list's hint; written after
  // the response, never failing or slowing the click (see bot-skips.ts).
  const instanceId = randomBytes(6).toString('hex');
  const botSkips = new BotSkipCounter(new LeanBotSkipStore(clients.dynamodb, config.opsTable), {
    instanceId,
    onError: (error) => logger.warn('bot-skip count not written (the next write carries it)', { error: error as Error }),
  });
  const pausedSkips = new BotSkipCounter(new LeanBotSkipStore(clients.dynamodb, config.opsTable, PAUSED_SKIPS_PK_PREFIX), {
    instanceId,
    onError: (error) => logger.warn('paused-skip count not written (the next write carries it)', { error: error as Error }),
  });
  return { offers, sink, botSkips, pausedSkips, clock: Date.now, config };
}

const NOT_FOUND_PAGE = (offerId: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Offer not found</title></head>` +
  `<body><h1>Offer not found</h1><p>The offer <code>${escapeHtml(offerId.slice(0, 64))}</code> does not exist or is no longer active.</p></body></html>`;

const UNAVAILABLE_PAGE =
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Try again</title></head>` +
  `<body><h1>Temporarily unavailable</h1><p>This link cannot be followed right now. Please try again in a moment.</p></body></html>`;

export function makeHandler(deps: ClickDeps) {
  const { config } = deps;

  async function click(event: HttpEvent, _context: Context): Promise<HttpResult> {
    const offerId = event.pathParameters?.offerId ?? event.queryStringParameters?.offer;
    const query = { ...event.queryStringParameters };
    delete query.offer;
    const outcome = await handleClick(
      { offers: deps.offers, sink: deps.sink, clock: deps.clock, newTraceId, budgetMs: config.budgetMs },
      {
        offerId,
        method: event.requestContext.http.method,
        query,
        userAgent: header(event, 'user-agent'),
        headerCountry: trustedCountry(config.trustedCountryHeader, (name) => header(event, name)),
        clientIp: event.requestContext.http.sourceIp,
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
    if (outcome.kind === 'offer_unavailable') {
      // Never cached here and the Catalog did not answer within the budget: there is no destination to
      // send the clicker to, and "not found" would be a lie. The fallback URL when there is one.
      logger.error('offer unavailable: not cached and the Catalog did not answer in time', {
        reason: outcome.reason,
        offerId: offerId.slice(0, 64),
        ...(outcome.error ? { error: outcome.error as Error } : {}),
      });
      metrics.addMetric('ClickOfferUnavailable', MetricUnit.Count, 1);
      return config.fallbackUrl ? redirect(config.fallbackUrl) : html(503, UNAVAILABLE_PAGE, { 'retry-after': '5' });
    }
    metrics.addMetric('Click', MetricUnit.Count, 1);
    if (outcome.stale) {
      logger.warn('offer served from a stale cache entry', { offerId: outcome.offerId, ...outcome.stale });
      metrics.addMetric('ClickOfferStale', MetricUnit.Count, 1);
    }
    if (outcome.trace === 'skipped_bot') {
      metrics.addMetric('ClickSkippedBot', MetricUnit.Count, 1);
      deps.botSkips.record(outcome.offerId, deps.clock());
    }
    if (outcome.trace === 'skipped_paused') {
      metrics.addMetric('ClickSkippedPaused', MetricUnit.Count, 1);
      deps.pausedSkips.record(outcome.offerId, deps.clock());
    }
    if (outcome.pending) settleLate(outcome.pending.request, outcome.pending.handOff);
    if (outcome.dropped.length) logger.info('parameters dropped', { offerId: outcome.offerId, dropped: outcome.dropped });
    logger.info('click', { offerId: outcome.offerId, traceId: outcome.traceId, trace: outcome.trace });
    return redirect(outcome.location);
  }

  return httpHandler(click);
}

/**
 * The hand-off outlived the click's budget: the clicker gets the redirect now, and the request is
 * logged in full, so it can be replayed should this environment be frozen or recycled before the
 * hand-off ends (replaying one that did arrive is harmless: the starter drops a traceId it has
 * seen). The hand-off carries on, and its end is logged too.
 */
function settleLate(request: TraceRequest, handOff: Promise<SubmitOutcome>): void {
  logger.warn('trace request not handed off by the click deadline: replayable', { request });
  metrics.addMetric('ClickHandOffLate', MetricUnit.Count, 1);
  void handOff.then((outcome) => logger.info('late trace hand-off finished', { traceId: request.traceId, outcome }));
}
