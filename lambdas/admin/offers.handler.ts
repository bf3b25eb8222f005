/** PUT|GET /admin/offers/{offerId}. Admin routes are IAM-authorized in AWS, bearer-token locally. */
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import { parseJsonBody } from '../shared/json-body';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { DynamoOfferRepository } from '../offers/offer-repository';
import { validateOffer } from '../offers/offer-schema';
import { isValidOfferId } from '../offers/offer-id';
import { logger } from '../shared/powertools';
import { readAdminOffersConfig, type AdminOffersConfig } from './config';

export interface AdminOffersDeps {
  readonly repository: DynamoOfferRepository;
  readonly clock: () => number;
}

export function makeDeps(config: AdminOffersConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): AdminOffersDeps {
  return { repository: new DynamoOfferRepository(clients.doc, config.catalogTable), clock: Date.now };
}

export function makeHandler({ repository, clock }: AdminOffersDeps) {
  return httpHandler(async (event) => {
    const offerId = event.pathParameters?.offerId ?? '';
    if (!isValidOfferId(offerId)) throw new BadRequestError('invalid offer id');
    if (event.requestContext.http.method === 'GET') {
      const offer = await repository.get(offerId);
      if (!offer) throw new NotFoundError(`offer ${offerId} not found`);
      return json(200, offer);
    }
    const validation = validateOffer(offerId, parseJsonBody(event));
    if (!validation.ok) throw new BadRequestError('invalid offer', validation.issues);
    const { offer, created } = await repository.put(validation.offer, clock());
    logger.info('offer saved', { offerId, created });
    return json(created ? 201 : 200, offer);
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readAdminOffersConfig())));
