/**
 * An in-memory cache in front of the offer store: a warm click function answers from memory and
 * only goes to DynamoDB once per TTL per offer.
 *
 * For the click it also rides out a slow or failing store (`lookup`): an offer known within the
 * last `maxStaleMs` (24 h) is served stale when its refresh fails or has not answered within
 * `refreshWaitMs`, while the refresh carries on and updates the entry when it lands. An offer never
 * seen gets the caller's whole wait, then `unavailable`. Unknown offers are cached briefly too (a
 * flood of clicks on a bad id must not become a flood of reads), in their own bounded map: a flood
 * of made-up ids can fill it, but never pushes a known offer out.
 */
import type { Offer } from './offer-schema';
import type { OfferStore } from './offer-item';
import { TIMED_OUT, within } from '../shared/deadline';
import { ENV_DEFAULTS } from '../../contracts/env';

export interface OfferCacheOptions {
  /** How long an entry is served without asking the store. @default ENV_DEFAULTS.offerCacheTtlMs (30 s) */
  ttlMs?: number;
  /** How long "no such offer" is believed. @default 5_000 */
  negativeTtlMs?: number;
  /** Known offers kept at most (the least recently used goes first). @default 1_000 */
  maxEntries?: number;
  /** Unknown ids remembered at most, apart from the known offers. @default 1_000 */
  maxNegativeEntries?: number;
  /** How old a known offer may be when the store cannot answer and it is served anyway. @default 24 h */
  maxStaleMs?: number;
  /** How long `lookup` waits for a refresh when it has a stale entry to fall back on. @default 100 */
  refreshWaitMs?: number;
  clock?: () => number;
}

/** What the click learns about an offer. */
export type OfferLookup =
  | { readonly status: 'found'; readonly offer: Offer; readonly stale?: { readonly ageMs: number; readonly reason: 'error' | 'timeout' } }
  | { readonly status: 'not_found' }
  /** Never seen (or seen too long ago) and the store did not answer: nothing to redirect to. */
  | { readonly status: 'unavailable'; readonly reason: 'error' | 'timeout'; readonly error?: unknown };

export class CachedOfferStore implements OfferStore {
  /** Known offers, least recently used first (Map order). */
  private readonly known = new Map<string, { offer: Offer; loadedAt: number }>();
  /** Unknown ids and when that answer expires. */
  private readonly unknown = new Map<string, number>();
  /** One read per offer at a time, shared by every caller that needs it, and when it started. */
  private readonly loading = new Map<string, { read: Promise<Offer | undefined>; startedAt: number }>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly maxNegativeEntries: number;
  private readonly maxStaleMs: number;
  private readonly refreshWaitMs: number;
  private readonly clock: () => number;
  hits = 0;
  misses = 0;
  stale = 0;

  constructor(
    private readonly store: OfferStore,
    options: OfferCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? ENV_DEFAULTS.offerCacheTtlMs;
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 1_000;
    this.maxNegativeEntries = options.maxNegativeEntries ?? 1_000;
    this.maxStaleMs = options.maxStaleMs ?? 24 * 3_600_000;
    this.refreshWaitMs = options.refreshWaitMs ?? 100;
    this.clock = options.clock ?? Date.now;
  }

  /** The offer, fresh within the TTL; a failing store throws (the pipeline's tasks retry). */
  async get(offerId: string): Promise<Offer | undefined> {
    const cached = this.fresh(offerId);
    if (cached) {
      this.hits++;
      return cached.offer;
    }
    this.misses++;
    return this.load(offerId);
  }

  /**
   * The click's read: never throws, and waits at most `waitMs` for the store. A known offer whose
   * refresh fails or is slow is served stale (up to `maxStaleMs` old).
   */
  async lookup(offerId: string, waitMs: number): Promise<OfferLookup> {
    const cached = this.fresh(offerId);
    if (cached) {
      this.hits++;
      return cached.offer ? { status: 'found', offer: cached.offer } : { status: 'not_found' };
    }
    this.misses++;
    const now = this.clock();
    const last = this.known.get(offerId);
    const fallback = last && now - last.loadedAt <= this.maxStaleMs ? last : undefined;
    const loading = this.load(offerId);
    // With something to serve, a refresh gets refreshWaitMs in all, counted from its start: once it
    // has hung that long, later clicks serve the stale entry at once instead of each waiting again.
    const refreshLeft = this.refreshWaitMs - (now - (this.loading.get(offerId)?.startedAt ?? now));
    let outcome: Offer | undefined | typeof TIMED_OUT;
    try {
      outcome = await within(loading, fallback ? Math.max(0, Math.min(refreshLeft, waitMs)) : waitMs);
    } catch (error) {
      if (!fallback) return { status: 'unavailable', reason: 'error', error };
      this.stale++;
      return { status: 'found', offer: fallback.offer, stale: { ageMs: now - fallback.loadedAt, reason: 'error' } };
    }
    if (outcome === TIMED_OUT) {
      if (!fallback) return { status: 'unavailable', reason: 'timeout' };
      this.stale++;
      return { status: 'found', offer: fallback.offer, stale: { ageMs: now - fallback.loadedAt, reason: 'timeout' } };
    }
    return outcome ? { status: 'found', offer: outcome } : { status: 'not_found' };
  }

  clear(): void {
    this.known.clear();
    this.unknown.clear();
  }

  /** A cache entry within its TTL: `{ offer }` for a known offer, `{ offer: undefined }` for an unknown one. */
  private fresh(offerId: string): { offer: Offer | undefined } | undefined {
    const now = this.clock();
    const known = this.known.get(offerId);
    if (known && now - known.loadedAt < this.ttlMs) {
      // Most recently used last, so eviction takes the offer nobody clicked for longest.
      this.known.delete(offerId);
      this.known.set(offerId, known);
      return { offer: known.offer };
    }
    const unknownUntil = this.unknown.get(offerId);
    if (unknownUntil !== undefined && unknownUntil > now) return { offer: undefined };
    return undefined;
  }

  /** Reads the store (one read per offer in flight) and records the answer; rejects when the store fails. */
  private load(offerId: string): Promise<Offer | undefined> {
    const inFlight = this.loading.get(offerId);
    if (inFlight) return inFlight.read;
    const started = this.clock();
    const read = this.store
      .get(offerId)
      .then((offer) => {
        this.remember(offerId, offer, started);
        return offer;
      })
      .finally(() => this.loading.delete(offerId));
    // A refresh the click stopped waiting for may still fail: nobody else is listening then.
    read.catch(() => undefined);
    this.loading.set(offerId, { read, startedAt: started });
    return read;
  }

  private remember(offerId: string, offer: Offer | undefined, loadedAt: number): void {
    if (offer) {
      this.unknown.delete(offerId);
      this.known.delete(offerId);
      if (this.known.size >= this.maxEntries) evictOldest(this.known);
      this.known.set(offerId, { offer, loadedAt });
    } else {
      // The store says it does not exist (deleted, or never was): a stale copy must not outlive that.
      this.known.delete(offerId);
      this.unknown.delete(offerId);
      if (this.unknown.size >= this.maxNegativeEntries) evictOldest(this.unknown);
      this.unknown.set(offerId, loadedAt + this.negativeTtlMs);
    }
  }
}

function evictOldest(map: Map<string, unknown>): void {
  const oldest = map.keys().next().value;
  if (oldest !== undefined) map.delete(oldest);
}
