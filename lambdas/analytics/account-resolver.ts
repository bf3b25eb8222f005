/**
 * Campaign → account id. The aggregates are keyed by account, so every event needs it; the
 * mapping practically never changes, so it is cached in memory per warm container.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AccountResolver {
  /** Resolves to 'unknown' when the campaign is not in the catalog; rejects on a read failure. */
  accountFor(campaignId: string): Promise<string>;
}

export const UNKNOWN_ACCOUNT = 'unknown';

export const campaignCatalogKey = (campaignId: string) => ({ pk: `campaign#${campaignId}`, sk: 'campaign' });

export interface DynamoAccountResolverOptions {
  readonly doc: Pick<DynamoDBDocumentClient, 'send'>;
  /** The Catalog table. */
  readonly tableName: string;
  /** @default 10 minutes */
  readonly ttlMs?: number;
  /** How long an absent campaign stays 'unknown' before it is looked up again. @default 1 minute */
  readonly unknownTtlMs?: number;
  /** @default 10_000 */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * Reads Catalog `pk = campaign#<id>, sk = campaign` attribute `accountId`. Concurrent lookups of
 * the same campaign share one request; failures are not cached (the batch is retried instead of
 * filing events under 'unknown' for good).
 */
export class CachedDynamoAccountResolver implements AccountResolver {
  private readonly cache = new Map<string, { value: Promise<string>; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly unknownTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly options: DynamoAccountResolverOptions) {
    this.ttlMs = options.ttlMs ?? 600_000;
    this.unknownTtlMs = options.unknownTtlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  accountFor(campaignId: string): Promise<string> {
    const now = this.now();
    const hit = this.cache.get(campaignId);
    if (hit && hit.expiresAt > now) return hit.value;
    if (this.cache.size >= this.maxEntries) this.evict(now);
    const entry = { value: this.load(campaignId), expiresAt: now + this.ttlMs };
    this.cache.set(campaignId, entry);
    entry.value.then(
      (account) => {
        if (account === UNKNOWN_ACCOUNT) entry.expiresAt = this.now() + this.unknownTtlMs;
      },
      () => {
        if (this.cache.get(campaignId) === entry) this.cache.delete(campaignId);
      },
    );
    return entry.value;
  }

  private async load(campaignId: string): Promise<string> {
    const out = await this.options.doc.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: campaignCatalogKey(campaignId),
        ProjectionExpression: 'accountId',
      }),
    );
    const account = out.Item?.accountId;
    return typeof account === 'string' && account !== '' ? account : UNKNOWN_ACCOUNT;
  }

  private evict(now: number): void {
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
    // Still full: drop the oldest insertions (Map iterates in insertion order).
    for (const key of this.cache.keys()) {
      if (this.cache.size < this.maxEntries) break;
      this.cache.delete(key);
    }
  }
}
