/**
 * A small in-memory TTL cache in front of the offer store: a warm click function answers from
 * memory and only goes to DynamoDB once per TTL per offer. Unknown offers are cached briefly too,
 * so a flood of clicks on a bad id does not become a flood of reads.
 */
import type { Offer } from './offer-schema';
import type { OfferStore } from './offer-item';

export interface OfferCacheOptions {
  /** @default 30_000 */
  ttlMs?: number;
  /** @default 5_000 */
  negativeTtlMs?: number;
  /** @default 1_000 */
  maxEntries?: number;
  clock?: () => number;
}

export class CachedOfferStore implements OfferStore {
  private readonly entries = new Map<string, { offer: Offer | undefined; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;
  hits = 0;
  misses = 0;

  constructor(
    private readonly store: OfferStore,
    options: OfferCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 1_000;
    this.clock = options.clock ?? Date.now;
  }

  async get(offerId: string): Promise<Offer | undefined> {
    const now = this.clock();
    const cached = this.entries.get(offerId);
    if (cached && cached.expiresAt > now) {
      this.hits++;
      return cached.offer;
    }
    this.misses++;
    const offer = await this.store.get(offerId);
    if (this.entries.size >= this.maxEntries) {
      // Map iteration is insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(offerId);
    this.entries.set(offerId, { offer, expiresAt: now + (offer ? this.ttlMs : this.negativeTtlMs) });
    return offer;
  }

  clear(): void {
    this.entries.clear();
  }
}
