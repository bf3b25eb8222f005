/**
 * The operator's offer routes (IAM-authorized in AWS, bearer-token locally):
 *   GET    /admin/offers?limit=&cursor=&q=&deleted=   the paged list, with resolutions and success rates
 *   GET    /admin/offers/{offerId}                    one offer (a deleted one too, with `deletedAt`)
 *   PUT    /admin/offers/{offerId}                    create or replace
 *   DELETE /admin/offers/{offerId}                    soft delete; POST …/restore undoes it
 *   POST   /admin/offers/{offerId}/pause|resume       stop or restart tracing its clicks
 *   POST   /admin/offers/{offerId}/trace              trace now: 202 { traceId }
 *   GET    /admin/offers/{offerId}/resolution         the current landing and 24-hour success rate
 *   GET    /admin/offers/{offerId}/history?limit=&cursor=  the resolution timeline, newest first
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { httpHandler } from '../shared/middleware';
import { bodyText, json, type HttpEvent } from '../shared/http';
import { parseJsonBody } from '../shared/json-body';
import { dynamo, fastSqs } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { DynamoOfferRepository } from '../offers/offer-repository';
import { validateOffer, validateTraceNow } from '../offers/offer-schema';
import { isValidOfferId } from '../offers/offer-id';
import { OfferActivityReader } from '../offers/offer-activity';
import { changeOfferState, listOffers, parseListQuery, traceOfferNow, type OfferAdminDeps } from '../offers/offer-admin';
import { OfferHistoryStore } from '../offers/offer-history-store';
import { currentResolution, offerHistory, parseHistoryQuery, type OfferHistoryDeps } from '../offers/offer-history-admin';
import { ParkingTable, SqsTraceQueue } from '../traces/trace-queue';
import { DurableTraceSink } from '../traces/trace-sink';
import { newTraceId } from '../traces/trace-request';
import { logger, metrics, MetricUnit } from '../shared/powertools';
import { readAdminOffersConfig, type AdminOffersConfig } from './config';

export type AdminOffersDeps = OfferAdminDeps & Pick<OfferHistoryDeps, 'history'>;

export function makeDeps(config: AdminOffersConfig, clients: { doc: DynamoDBDocumentClient; sqs: SQSClient } = { doc: dynamo(), sqs: fastSqs() }): AdminOffersDeps {
  return {
    repository: new DynamoOfferRepository(clients.doc, config.catalogTable),
    activity: new OfferActivityReader(clients.doc, config.tracesTable),
    history: new OfferHistoryStore(clients.doc, config.opsTable),
    sink: new DurableTraceSink(new SqsTraceQueue(clients.sqs, config.queueUrl), new ParkingTable(clients.doc, config.opsTable), Date.now, {
      onQueueError: (error, request) => logger.warn('trace queue unavailable, parking the request', { traceId: request.traceId, error: error as Error }),
      onParkError: (error, request) => logger.error('trace request could not be queued nor parked', { request, error: error as Error }),
    }),
    clock: Date.now,
    newTraceId,
  };
}

const STATE_CHANGES = { restore: 'restore', pause: 'pause', resume: 'resume' } as const;

/** An optional JSON body: absent or empty is `{}`. */
const optionalJsonBody = (event: HttpEvent): unknown => (bodyText(event).trim() ? parseJsonBody(event) : {});

export function makeHandler(deps: AdminOffersDeps) {
  const { repository, clock } = deps;
  return httpHandler(async (event) => {
    const route = event.routeKey;
    if (route === 'GET /admin/offers') {
      return json(200, await listOffers(deps, parseListQuery(event.queryStringParameters ?? {})));
    }
    const offerId = event.pathParameters?.offerId ?? '';
    if (!isValidOfferId(offerId)) throw new BadRequestError('invalid offer id');
    switch (route) {
      case 'GET /admin/offers/{offerId}': {
        const offer = await repository.read(offerId);
        if (!offer) throw new NotFoundError(`offer ${offerId} not found`);
        return json(200, offer);
      }
      case 'PUT /admin/offers/{offerId}': {
        const validation = validateOffer(offerId, parseJsonBody(event));
        if (!validation.ok) throw new BadRequestError('invalid offer', validation.issues);
        const { offer, created } = await repository.put(validation.offer, clock());
        logger.info('offer saved', { offerId, created });
        return json(created ? 201 : 200, offer);
      }
      case 'DELETE /admin/offers/{offerId}': {
        const offer = await changeOfferState(deps, offerId, 'delete');
        logger.info('offer deleted', { offerId });
        return json(200, offer);
      }
      case 'GET /admin/offers/{offerId}/resolution':
        return json(200, await currentResolution(deps, offerId));
      case 'GET /admin/offers/{offerId}/history':
        return json(200, await offerHistory(deps, offerId, parseHistoryQuery(event.queryStringParameters ?? {})));
      case 'POST /admin/offers/{offerId}/trace': {
        const input = validateTraceNow(optionalJsonBody(event));
        if (!input.ok) throw new BadRequestError('invalid trace request', input.issues);
        const { traceId, handOff } = await traceOfferNow(deps, offerId, input.value);
        logger.info('trace requested by the operator', { offerId, traceId, handOff });
        metrics.addMetric('OfferTraceNow', MetricUnit.Count, 1);
        return json(202, { traceId, offerId, handOff });
      }
    }
    const action = /^POST \/admin\/offers\/\{offerId\}\/(\w+)$/.exec(route)?.[1];
    const change = action && Object.hasOwn(STATE_CHANGES, action) ? STATE_CHANGES[action as keyof typeof STATE_CHANGES] : undefined;
    if (!change) throw new NotFoundError(`no route ${route}`);
    const offer = await changeOfferState(deps, offerId, change);
    logger.info(`offer ${change}`, { offerId });
    return json(200, offer);
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readAdminOffersConfig())));
