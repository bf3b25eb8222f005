/** PUT|GET /admin/offers/{offerId}. Admin routes are IAM-authorized in AWS, bearer-token locally. */
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import { parseJsonBody } from '../shared/json-body';
import { dynamo } from '../shared/aws-clients';
import { requireEnv } from '../shared/config';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { tableEnv } from '../../contracts/manifest/env';
import { DynamoOfferRepository } from '../offers/offer-repository';
import { validateOffer } from '../offers/offer-schema';
import { isValidOfferId } from '../offers/offer-id';
import { logger } from '../shared/powertools';

const repository = new DynamoOfferRepository(dynamo(), requireEnv(tableEnv('Catalog')));
export const handler = httpHandler(async (event) => {
  const offerId = event.pathParameters?.offerId ?? '';
  if (!isValidOfferId(offerId)) throw new BadRequestError('invalid offer id');
  if (event.requestContext.http.method === 'GET') {
    const offer = await repository.get(offerId);
    if (!offer) throw new NotFoundError(`offer ${offerId} not found`);
    return json(200, offer);
  }
  const validation = validateOffer(offerId, parseJsonBody(event));
  if (!validation.ok) throw new BadRequestError('invalid offer', validation.issues);
  const { offer, created } = await repository.put(validation.offer, Date.now());
  logger.info('offer saved', { offerId, created });
  return json(created ? 201 : 200, offer);
});
