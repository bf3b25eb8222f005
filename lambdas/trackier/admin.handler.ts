/**
 * The Trackier admin routes (IAM-authorized in AWS, bearer token locally):
 *   POST   /admin/trackier/offers                          create (or resume creating) N pairs
 *   GET    /admin/trackier/offers/{id}                     the offer's settings and pairs
 *   PATCH  /admin/trackier/offers/{id}/pairs/{n}           name, enabled, subIdMapping, requireSignature
 *   DELETE /admin/trackier/offers/{id}/pairs/{n}           soft disable (not pair 1)
 *   POST   /admin/trackier/offers/{id}/pairs/{n}/test      a simulated webhook for that pair
 *   GET    /admin/trackier/offers/{id}/stats               totals and the latest webhook
 *   GET    /admin/trackier/offers/{id}/pairs.csv           every pair's data
 */
import type { Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { httpHandler } from '../shared/middleware';
import { json, text, type HttpEvent, type HttpResult } from '../shared/http';
import { parseJsonBody } from '../shared/json-body';
import { dynamo, fastSqs } from '../shared/aws-clients';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { DynamoOfferRepository } from '../offers/offer-repository';
import { isValidOfferId } from '../offers/offer-id';
import { ParkingTable, SqsTraceQueue } from '../traces/trace-queue';
import { DurableTraceSink } from '../traces/trace-sink';
import { newTraceId } from '../traces/trace-request';
import { PairRepository } from './pair-repository';
import { MAX_PAIRS, parsePairNumber } from './pair';
import { subIdMappingSchema } from './pair-schema';
import { createTrackierOffer } from './create-offer';
import { disablePair, getTrackierOffer, offerPairsCsv, offerStats, patchPair, testPair } from './pair-admin';
import { OpsWebhookLog, type AcceptDeps } from './webhook';
import { signingMaster, trackierClient } from './runtime';
import type { TrackierApi } from './trackier-api';
import type { SigningMasterSource } from './webhook-signature';
import { handlerFromEnv, readConfig, traceQueueUrl, type TrackierConfig } from './config';

export interface AdminHandlerDeps {
  readonly pairs: PairRepository;
  readonly offers: DynamoOfferRepository;
  readonly api: TrackierApi;
  readonly clock: () => number;
  readonly signingMaster: SigningMasterSource;
  /** The test route accepts a postback for a named pair: no routing, signature or rate limit. */
  readonly webhook: AcceptDeps;
  /** The public base URL of pairs' webhook URLs; derived from the request when absent. */
  readonly publicBaseUrl?: string;
}

export function makeDeps(
  config: TrackierConfig,
  clients: { doc: DynamoDBDocumentClient; sqs: SQSClient; api?: TrackierApi } = { doc: dynamo(), sqs: fastSqs() },
): AdminHandlerDeps {
  const { catalog, ops } = config.tables;
  const pairs = new PairRepository(clients.doc, catalog);
  const offers = new DynamoOfferRepository(clients.doc, catalog);
  return {
    pairs,
    offers,
    api: clients.api ?? trackierClient(config.trackier),
    clock: Date.now,
    signingMaster: signingMaster(config.trackier),
    publicBaseUrl: config.trackier.publicBaseUrl,
    webhook: {
      pairs,
      offers,
      sink: new DurableTraceSink(new SqsTraceQueue(clients.sqs, traceQueueUrl(config)), new ParkingTable(clients.doc, ops), Date.now),
      log: new OpsWebhookLog(clients.doc, ops, config.trackier.webhookLogRetentionDays),
      clock: Date.now,
      newTraceId,
      onLogError: (error) => logger.warn('webhook log write failed', { error: error as Error }),
    },
  };
}

/** API Gateway gives up after 30 s: stop starting creations well before, and let the caller resume. */
const CREATION_BUDGET_MS = 22_000;

const createSchema = z
  .object({
    offerId: z.string().refine(isValidOfferId, 'must be 1-64 letters, digits, dot, dash or underscore'),
    pairs: z.number().int().min(1).max(MAX_PAIRS),
    advertiserId: z.union([z.string().min(1).max(64), z.number().int().nonnegative()]).transform(String),
    trackingDomain: z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,253}$/, 'must be a host name, e.g. acme.gotrackier.com')
      .optional(),
    publisherId: z
      .union([z.string().min(1).max(64), z.number().int().nonnegative()])
      .transform(String)
      .optional(),
    subIdMapping: subIdMappingSchema.optional(),
    namePrefix: z.string().trim().min(1).max(150).optional(),
  })
  .strict();

const testSchema = z.object({ params: z.record(z.string(), z.string().max(512)).optional() }).strict();

function issues(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : ''), message: i.message }));
}

function publicBaseUrl(deps: Pick<AdminHandlerDeps, 'publicBaseUrl'>, event: HttpEvent): string {
  if (deps.publicBaseUrl) return deps.publicBaseUrl;
  const host = event.requestContext.domainName;
  const local = /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host);
  const stage = event.requestContext.stage && event.requestContext.stage !== '$default' ? `/${event.requestContext.stage}` : '';
  return `${local ? 'http' : 'https'}://${host}${stage}`;
}

function offerIdParam(event: HttpEvent): string {
  const id = event.pathParameters?.id ?? '';
  if (!isValidOfferId(id)) throw new BadRequestError('invalid offer id');
  return id;
}

function pairParam(event: HttpEvent): number {
  const n = parsePairNumber(event.pathParameters?.n);
  if (n === undefined) throw new BadRequestError(`pair number must be 1-${MAX_PAIRS}`);
  return n;
}

async function create(deps: AdminHandlerDeps, event: HttpEvent, context: Context): Promise<HttpResult> {
  const parsed = createSchema.safeParse(parseJsonBody(event));
  if (!parsed.success) throw new BadRequestError('invalid Trackier offer', issues(parsed.error));
  const now = Date.now();
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() - 5_000 : CREATION_BUDGET_MS;
  const result = await createTrackierOffer(
    {
      pairs: deps.pairs,
      offers: deps.offers,
      api: deps.api,
      clock: deps.clock,
      publicBaseUrl: publicBaseUrl(deps, event),
      deadlineAt: now + Math.min(CREATION_BUDGET_MS, remaining),
    },
    parsed.data,
  );
  logger.info('trackier offer creation', { offerId: result.offerId, status: result.status, created: result.created, reused: result.reused });
  metrics.addMetric('TrackierCampaignsCreated', MetricUnit.Count, result.created);
  return json(result.status === 'ready' ? 201 : 202, result);
}

async function route(deps: AdminHandlerDeps, event: HttpEvent, context: Context): Promise<HttpResult> {
  const adminDeps = { pairs: deps.pairs, clock: deps.clock, signingMaster: deps.signingMaster };
  switch (event.routeKey) {
    case 'POST /admin/trackier/offers':
      return create(deps, event, context);
    case 'GET /admin/trackier/offers/{id}':
      return json(200, await getTrackierOffer(adminDeps, offerIdParam(event)));
    case 'PATCH /admin/trackier/offers/{id}/pairs/{n}':
      return json(200, await patchPair(adminDeps, offerIdParam(event), pairParam(event), parseJsonBody(event)));
    case 'DELETE /admin/trackier/offers/{id}/pairs/{n}':
      return json(200, await disablePair(adminDeps, offerIdParam(event), pairParam(event)));
    case 'POST /admin/trackier/offers/{id}/pairs/{n}/test': {
      const parsed = testSchema.safeParse(event.body ? parseJsonBody(event) : {});
      if (!parsed.success) throw new BadRequestError('invalid test body', issues(parsed.error));
      const outcome = await testPair({ ...adminDeps, webhook: deps.webhook }, offerIdParam(event), pairParam(event), parsed.data.params ?? {});
      logger.info('trackier test webhook', { offerId: outcome.offerId, pairNumber: outcome.pairNumber, traceId: outcome.traceId });
      return json(202, outcome);
    }
    case 'GET /admin/trackier/offers/{id}/stats':
      return json(200, await offerStats(adminDeps, offerIdParam(event)));
    case 'GET /admin/trackier/offers/{id}/pairs.csv': {
      const offerId = offerIdParam(event);
      const result = text(200, await offerPairsCsv(adminDeps, offerId), 'text/csv; charset=utf-8');
      return { ...result, headers: { ...result.headers, 'content-disposition': `attachment; filename="trackier-${offerId}-pairs.csv"` } };
    }
    default:
      throw new NotFoundError(`no route ${event.routeKey}`);
  }
}

export function makeHandler(deps: AdminHandlerDeps) {
  return httpHandler((event, context) => route(deps, event, context));
}

export const handler = handlerFromEnv(() => makeHandler(makeDeps(readConfig())));
