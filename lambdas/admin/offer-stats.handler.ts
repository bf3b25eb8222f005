/**
 * GET /admin/offers/{offerId}/stats?from=&to=   the offer's statistics by UTC hour, and totals
 * (lambdas/offers/offer-stats.ts). A function of its own: read-only, so its role writes nothing.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { httpHandler } from '../shared/middleware';
import { json } from '../shared/http';
import { dynamo } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { DynamoOfferRepository } from '../offers/offer-repository';
import { isValidOfferId } from '../offers/offer-id';
import { DynamoOfferStatsReader, offerStats, parseStatsRange, type OfferStatsReader } from '../offers/offer-stats';
import { readAdminOfferStatsConfig, type AdminOfferStatsConfig } from './offer-stats-config';

export interface AdminOfferStatsDeps {
  readonly offers: Pick<DynamoOfferRepository, 'read'>;
  readonly reader: OfferStatsReader;
  readonly traceTtlDays: number;
  readonly clock: () => number;
}

export function makeDeps(config: AdminOfferStatsConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): AdminOfferStatsDeps {
  return {
    offers: new DynamoOfferRepository(clients.doc, config.catalogTable),
    reader: new DynamoOfferStatsReader(clients.doc, config.tracesTable, config.opsTable),
    traceTtlDays: config.traceTtlDays,
    clock: Date.now,
  };
}

export function makeHandler(deps: AdminOfferStatsDeps) {
  return httpHandler(async (event) => {
    const offerId = event.pathParameters?.offerId ?? '';
    if (!isValidOfferId(offerId)) throw new BadRequestError('invalid offer id');
    const now = deps.clock();
    const query = event.queryStringParameters ?? {};
    const range = parseStatsRange({ from: query.from, to: query.to }, now, deps.traceTtlDays);
    // A deleted offer's traces are still kept: its statistics are served too.
    if (!(await deps.offers.read(offerId))) throw new NotFoundError(`offer ${offerId} not found`);
    return json(200, await offerStats(deps.reader, offerId, range, now));
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readAdminOfferStatsConfig())));
