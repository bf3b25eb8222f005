/**
 * The pair reads and counters the public webhook calls (by key, by token, by URL1 campaign; the
 * webhook and test counters), on any DynamoDB client through the DocumentStore port: the webhook
 * runs them on the lean client, which keeps its cold start small; everything else on the SDK's
 * (PairRepository, pair-repository.ts, adds the creation and update bookkeeping).
 */
import { PAIR_SK_PREFIX, pairKey, stripKeys, trackierKey, type TrackierOfferSettings, type TrackierPair } from './pair';
import type { DocumentStore } from '../shared/document-store';

export const WEBHOOK_TOKEN_INDEX = 'byWebhookToken';
export const CAMPAIGN_INDEX = 'byCampaign';

export class PairReads {
  constructor(
    protected readonly store: DocumentStore,
    protected readonly tableName: string,
  ) {}

  async getSettings(offerId: string): Promise<TrackierOfferSettings | undefined> {
    const out = await this.store.get({ TableName: this.tableName, Key: trackierKey(offerId), ConsistentRead: true });
    return out.Item ? stripLock(stripKeys<TrackierOfferSettings>(out.Item)) : undefined;
  }

  async getPair(offerId: string, pairNumber: number): Promise<TrackierPair | undefined> {
    const out = await this.store.get({ TableName: this.tableName, Key: pairKey(offerId, pairNumber), ConsistentRead: true });
    return out.Item ? toPair(out.Item) : undefined;
  }

  async pairByToken(token: string): Promise<TrackierPair[]> {
    return this.queryIndex(WEBHOOK_TOKEN_INDEX, 'webhookToken', token);
  }

  async pairsByUrl1Campaign(campaignId: string): Promise<TrackierPair[]> {
    return this.queryIndex(CAMPAIGN_INDEX, 'url1CampaignId', campaignId);
  }

  private async queryIndex(indexName: string, attribute: string, value: string): Promise<TrackierPair[]> {
    const out = await this.store.query({
      TableName: this.tableName,
      IndexName: indexName,
      KeyConditionExpression: '#a = :v',
      ExpressionAttributeNames: { '#a': attribute },
      ExpressionAttributeValues: { ':v': value },
      Limit: 5,
    });
    return out.Items.filter((item) => String(item.sk ?? '').startsWith(PAIR_SK_PREFIX)).map(toPair);
  }

  /** webhook_count + 1 and last_webhook_at, atomically. */
  async recordWebhook(offerId: string, pairNumber: number, now: number): Promise<void> {
    await this.store.update({
      TableName: this.tableName,
      Key: pairKey(offerId, pairNumber),
      UpdateExpression: 'ADD webhook_count :one SET last_webhook_at = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1, ':now': now },
    });
  }

  async recordTest(offerId: string, pairNumber: number, now: number): Promise<void> {
    await this.store.update({
      TableName: this.tableName,
      Key: pairKey(offerId, pairNumber),
      UpdateExpression: 'SET last_test_at = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':now': now },
    });
  }
}

export function toPair(item: Record<string, unknown>): TrackierPair {
  const { updateLockOwner: _lo, updateLockUntil: _lu, ...pair } = stripKeys<TrackierPair & { updateLockOwner?: unknown; updateLockUntil?: unknown }>(item);
  return {
    ...pair,
    webhook_count: Number(pair.webhook_count ?? 0),
    update_count: Number(pair.update_count ?? 0),
  };
}

export function stripLock(settings: TrackierOfferSettings & { lockOwner?: unknown; lockUntil?: unknown }): TrackierOfferSettings {
  const { lockOwner: _o, lockUntil: _u, ...rest } = settings;
  return rest;
}
