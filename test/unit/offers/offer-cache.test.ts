import { CachedOfferStore } from '../../../lambdas/offers/offer-cache';
import type { Offer } from '../../../lambdas/offers/offer-schema';

const offer = { offerId: 'a', redirectUrl: 'https://a.example/' } as Offer;

describe('CachedOfferStore', () => {
  it('serves from memory within the TTL and reloads after it', async () => {
    let now = 0;
    const reads: string[] = [];
    const cache = new CachedOfferStore({ get: async (id) => (reads.push(id), id === 'a' ? offer : undefined) }, { ttlMs: 1000, clock: () => now });
    await cache.get('a');
    now = 999;
    await cache.get('a');
    expect(reads).toEqual(['a']);
    now = 1000;
    await cache.get('a');
    expect(reads).toEqual(['a', 'a']);
  });

  it('caches unknown offers for the shorter negative TTL', async () => {
    let now = 0;
    const reads: string[] = [];
    const cache = new CachedOfferStore({ get: async (id) => (reads.push(id), undefined) }, { negativeTtlMs: 100, clock: () => now });
    expect(await cache.get('x')).toBeUndefined();
    now = 50;
    await cache.get('x');
    now = 100;
    await cache.get('x');
    expect(reads).toEqual(['x', 'x']);
  });

  it('evicts the oldest entry past maxEntries', async () => {
    const reads: string[] = [];
    const cache = new CachedOfferStore({ get: async (id) => (reads.push(id), offer) }, { maxEntries: 2 });
    await cache.get('1');
    await cache.get('2');
    await cache.get('3');
    await cache.get('2');
    await cache.get('1');
    expect(reads).toEqual(['1', '2', '3', '1']);
  });
});
