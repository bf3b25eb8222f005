/**
 * Campaign → account mappings, as the operator sets them (`/admin/analytics/campaigns`) and as
 * the aggregator's account resolver reads them (account-resolver.ts).
 *
 * Catalog items:
 *   mapping    pk campaign#<campaignId>  sk campaign            accountId  (what the resolver reads)
 *   list entry pk campaigns              sk campaign#<campaignId> accountId (the paged list)
 *
 * The list entry exists because the Catalog has no index over campaigns: one Query on a single
 * partition pages through them, instead of a Scan of every offer. Admin writes are rare, so the
 * single partition is never hot. The mapping is written first: a failure between the two writes
 * leaves the list behind (a retried PUT fixes it), never a listed mapping that does not resolve.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryItems } from '../shared/dynamo-query';
import { campaignCatalogKey, UNKNOWN_ACCOUNT } from './account-resolver';

export interface CampaignAccount {
  readonly campaignId: string;
  readonly accountId: string;
  /** Epoch ms of the last PUT. */
  readonly updatedAt: number;
}

export interface CampaignPage {
  readonly items: CampaignAccount[];
  /** Pass back as `cursor` for the next page; absent on the last one. */
  readonly nextCursor?: string;
}

export type CampaignInputErrorCode = 'invalid_campaign_id' | 'invalid_account_id' | 'invalid_limit' | 'invalid_cursor';

/** Input the caller must fix: HTTP 400 with `code`. */
export class CampaignInputError extends Error {
  override readonly name = 'CampaignInputError';
  constructor(
    readonly code: CampaignInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// No '#' (the key separator of the aggregates) and no spaces; 'unknown' is what unmapped campaigns get.
const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const LIST_LIMIT_MAX = 500;
const LIST_PK = 'campaigns';
const listSk = (campaignId: string) => `campaign#${campaignId}`;

/** Campaign ids are UUIDs, lower-cased as ingest lower-cases them (or no event would ever match). */
export function parseCampaignId(raw: string | undefined): string {
  const id = raw?.trim() ?? '';
  if (!GUID.test(id)) throw new CampaignInputError('invalid_campaign_id', 'campaignId must be a UUID');
  return id.toLowerCase();
}

export function parseAccountId(raw: unknown): string {
  if (typeof raw !== 'string' || !ACCOUNT.test(raw) || raw === UNKNOWN_ACCOUNT) {
    throw new CampaignInputError(
      'invalid_account_id',
      `accountId must be 1-64 characters of A-Z a-z 0-9 . _ : - (starting with a letter or digit), not "${UNKNOWN_ACCOUNT}"`,
    );
  }
  return raw;
}

export function parseListQuery(params: Readonly<Record<string, string | undefined>>): { limit: number; cursor?: string } {
  const limit = params.limit === undefined ? 100 : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX)
    throw new CampaignInputError('invalid_limit', `limit must be an integer between 1 and ${LIST_LIMIT_MAX}`);
  if (params.cursor === undefined) return { limit };
  // The cursor is the last campaign id of the previous page: opaque to the caller, checked here.
  const cursor = Buffer.from(params.cursor, 'base64url').toString('utf8');
  if (!GUID.test(cursor)) throw new CampaignInputError('invalid_cursor', 'cursor is not one this API returned');
  return { limit, cursor: cursor.toLowerCase() };
}

export class DynamoCampaignAccounts {
  constructor(
    private readonly doc: Pick<DynamoDBDocumentClient, 'send'>,
    /** The Catalog table. */
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async put(campaignId: string, accountId: string): Promise<CampaignAccount> {
    const mapping: CampaignAccount = { campaignId, accountId, updatedAt: this.now() };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...campaignCatalogKey(campaignId), ...mapping } }));
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: LIST_PK, sk: listSk(campaignId), ...mapping } }));
    return mapping;
  }

  async get(campaignId: string): Promise<CampaignAccount | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: campaignCatalogKey(campaignId) }));
    return out.Item && typeof out.Item.accountId === 'string' ? toMapping(out.Item, campaignId) : undefined;
  }

  /** Campaign ids in order; one item more than asked tells whether another page exists. */
  async list(limit: number, cursor?: string): Promise<CampaignPage> {
    const { items } = await queryItems(
      this.doc,
      {
        TableName: this.tableName,
        ...(cursor
          ? { KeyConditionExpression: 'pk = :pk AND sk > :after', ExpressionAttributeValues: { ':pk': LIST_PK, ':after': listSk(cursor) } }
          : { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': LIST_PK, ':prefix': listSk('') } }),
        ProjectionExpression: 'campaignId, accountId, updatedAt',
      },
      { limit: limit + 1 },
    );
    const page = items.slice(0, limit).map((i) => toMapping(i, String(i.campaignId)));
    const last = page.at(-1);
    return items.length > limit && last ? { items: page, nextCursor: Buffer.from(last.campaignId).toString('base64url') } : { items: page };
  }
}

function toMapping(item: Record<string, unknown>, campaignId: string): CampaignAccount {
  return { campaignId, accountId: String(item.accountId), updatedAt: Number(item.updatedAt ?? 0) };
}
