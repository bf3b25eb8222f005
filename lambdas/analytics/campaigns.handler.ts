/**
 * PUT|GET /admin/analytics/campaigns/{campaignId} and GET /admin/analytics/campaigns: the
 * campaign → account mappings the aggregator files events under. A function of its own so that
 * AdminMetrics keeps its read-only Analytics grant and this one touches the Catalog only.
 *
 * A new mapping applies to events aggregated after it: a warm aggregator that looked the campaign
 * up before keeps 'unknown' for up to a minute (account-resolver.ts) — and events already filed
 * under 'unknown' stay there.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { httpHandler } from '../shared/middleware';
import { json, type HttpResult } from '../shared/http';
import { dynamo } from '../shared/aws-clients';
import { builtOnFirstCall } from '../shared/built-on-first-call';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { parseJsonBody } from '../shared/json-body';
import { CampaignInputError, DynamoCampaignAccounts, parseAccountId, parseCampaignId, parseListQuery, type CampaignAccount } from './campaign-accounts';
import { readCampaignsConfig, type CampaignsConfig } from './config';

export interface CampaignsHandlerDeps {
  readonly campaigns: DynamoCampaignAccounts;
}

export function makeDeps(config: CampaignsConfig, clients: { doc: DynamoDBDocumentClient } = { doc: dynamo() }): CampaignsHandlerDeps {
  return { campaigns: new DynamoCampaignAccounts(clients.doc, config.catalogTable) };
}

const view = (m: CampaignAccount) => ({ campaign_id: m.campaignId, account_id: m.accountId, updated_at: new Date(m.updatedAt).toISOString() });

function input<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof CampaignInputError) throw new BadRequestError(error.message, { code: error.code });
    throw error;
  }
}

export function makeHandler({ campaigns }: CampaignsHandlerDeps) {
  return httpHandler(async (event): Promise<HttpResult> => {
    const method = event.requestContext.http.method;
    const raw = event.pathParameters?.campaignId;
    if (raw === undefined) {
      const { limit, cursor } = input(() => parseListQuery(event.queryStringParameters ?? {}));
      const page = await campaigns.list(limit, cursor);
      return json(200, { items: page.items.map(view), ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) });
    }
    const campaignId = input(() => parseCampaignId(raw));
    if (method === 'PUT') {
      const body = parseJsonBody(event);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('body must be a JSON object { "accountId": "..." }');
      const accountId = input(() => parseAccountId((body as { accountId?: unknown }).accountId));
      return json(200, view(await campaigns.put(campaignId, accountId)));
    }
    const mapping = await campaigns.get(campaignId);
    if (!mapping) throw new NotFoundError(`campaign ${campaignId} has no account mapping`);
    return json(200, view(mapping));
  });
}

export const handler = builtOnFirstCall(() => makeHandler(makeDeps(readCampaignsConfig())));
