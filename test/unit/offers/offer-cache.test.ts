import { CachedOfferStore } from '../../../lambdas/offers/offer-cache';
import type { OfferStore } from '../../../lambdas/offers/offer-item';
import type { Offer } from '../../../lambdas/offers/offer-schema';

const offer = { offerId: 'a', redirectUrl: 'https://a.example/' } as Offer;
const edited = { offerId: 'a', redirectUrl: 'https://a.example/new' } as Offer;
const HOUR = 3_600_000;

/** A store whose every answer the test gives: `answer` settles the oldest read still waiting. */
function controlledStore() {
  const waiting: { id: string; resolve: (o: Offer | undefined) => void; reject: (e: Error) => void }[] = [];
  const store: OfferStore = { get: (id) => new Promise((resolve, reject) => waiting.push({ id, resolve, reject })) };
  return {
    store,
    waiting,
    answer: (value: Offer | undefined) => waiting.shift()!.resolve(value),
    fail: (error = new Error('ProvisionedThroughputExceededException')) => waiting.shift()!.reject(error),
  };
}

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

  it('evicts the least recently used known offer past maxEntries', async () => {
    const reads: string[] = [];
    const cache = new CachedOfferStore({ get: async (id) => (reads.push(id), offer) }, { maxEntries: 2 });
    await cache.get('1');
    await cache.get('2');
    await cache.get('3');
    await cache.get('2');
    await cache.get('1');
    expect(reads).toEqual(['1', '2', '3', '1']);
  });

  it('never lets unknown offers evict a known one', async () => {
    const reads: string[] = [];
    const cache = new CachedOfferStore({ get: async (id) => (reads.push(id), id === 'a' ? offer : undefined) }, { maxEntries: 2, maxNegativeEntries: 2 });
    await cache.get('a');
    for (let i = 0; i < 500; i++) expect(await cache.get(`made-up-${i}`)).toBeUndefined();
    expect(await cache.get('a')).toBe(offer);
    expect(reads.filter((id) => id === 'a')).toHaveLength(1);
  });

  it('reads an offer once however many clicks wait for it', async () => {
    const s = controlledStore();
    const cache = new CachedOfferStore(s.store);
    const clicks = Promise.all([cache.lookup('a', 1000), cache.lookup('a', 1000), cache.get('a')]);
    expect(s.waiting).toHaveLength(1);
    s.answer(offer);
    expect(await clicks).toEqual([{ status: 'found', offer }, { status: 'found', offer }, offer]);
  });

  describe('lookup: the click never waits longer than asked, nor fails', () => {
    it('serves the last good entry when its refresh fails, then the fresh one once the store answers', async () => {
      let now = 0;
      const s = controlledStore();
      const cache = new CachedOfferStore(s.store, { ttlMs: 1000, clock: () => now });
      const first = cache.lookup('a', 1000);
      s.answer(offer);
      expect(await first).toEqual({ status: 'found', offer });
      now = 5000;
      const during = cache.lookup('a', 1000);
      s.fail();
      expect(await during).toEqual({ status: 'found', offer, stale: { ageMs: 5000, reason: 'error' } });
      expect(cache.stale).toBe(1);
      const after = cache.lookup('a', 1000);
      s.answer(edited);
      expect(await after).toEqual({ status: 'found', offer: edited });
    });

    it('serves the last good entry when its refresh is slow, and the refresh still lands', async () => {
      let now = 0;
      const s = controlledStore();
      const cache = new CachedOfferStore(s.store, { ttlMs: 1000, refreshWaitMs: 10, clock: () => now });
      const warm = cache.lookup('a', 1000);
      s.answer(offer);
      await warm;
      now = 2000;
      // The store never answers within the 10 ms the cache waits when it has something to serve.
      expect(await cache.lookup('a', 1000)).toEqual({ status: 'found', offer, stale: { ageMs: 2000, reason: 'timeout' } });
      s.answer(edited); // the refresh answers late
      await new Promise((r) => setImmediate(r));
      expect(await cache.lookup('a', 1000)).toEqual({ status: 'found', offer: edited });
      expect(s.waiting).toHaveLength(0);
    });

    it('once a refresh has hung for refreshWaitMs, later clicks get the stale entry without waiting', async () => {
      jest.useFakeTimers();
      try {
        let now = 0;
        const s = controlledStore();
        const cache = new CachedOfferStore(s.store, { ttlMs: 1000, refreshWaitMs: 100, clock: () => now });
        const warm = cache.lookup('a', 1000);
        s.answer(offer);
        await warm;
        now = 5000;
        let first: unknown;
        void cache.lookup('a', 1000).then((r) => (first = r));
        await jest.advanceTimersByTimeAsync(99);
        expect(first).toBeUndefined(); // the first click gives the refresh its 100 ms
        await jest.advanceTimersByTimeAsync(1);
        expect(first).toMatchObject({ status: 'found', stale: { reason: 'timeout' } });
        now = 5100; // the same refresh, still hanging
        let second: unknown;
        void cache.lookup('a', 1000).then((r) => (second = r));
        await jest.advanceTimersByTimeAsync(0);
        expect(second).toMatchObject({ status: 'found', stale: { reason: 'timeout' } });
        expect(s.waiting).toHaveLength(1); // one read for both
      } finally {
        jest.useRealTimers();
      }
    });

    it('serves stale up to maxStaleMs (24 h by default), never older', async () => {
      let now = 0;
      const s = controlledStore();
      const cache = new CachedOfferStore(s.store, { clock: () => now });
      const warm = cache.lookup('a', 1000);
      s.answer(offer);
      await warm;
      now = 24 * HOUR;
      const dayOld = cache.lookup('a', 1000);
      s.fail();
      expect(await dayOld).toMatchObject({ status: 'found', stale: { ageMs: 24 * HOUR } });
      now = 24 * HOUR + 1;
      const tooOld = cache.lookup('a', 1000);
      s.fail();
      expect(await tooOld).toMatchObject({ status: 'unavailable', reason: 'error' });
    });

    it('answers unavailable for an offer it never saw when the store fails or does not answer in time', async () => {
      const s = controlledStore();
      const cache = new CachedOfferStore(s.store);
      const failing = cache.lookup('new', 1000);
      s.fail();
      expect(await failing).toMatchObject({ status: 'unavailable', reason: 'error' });
      expect(await cache.lookup('new', 20)).toEqual({ status: 'unavailable', reason: 'timeout' });
      // Not remembered as unknown: the next click asks again (the read still under way answers it).
      s.answer(offer);
      expect(await cache.lookup('new', 1000)).toEqual({ status: 'found', offer });
    });

    it('forgets a known offer the store says is gone', async () => {
      let now = 0;
      const s = controlledStore();
      const cache = new CachedOfferStore(s.store, { ttlMs: 1000, clock: () => now });
      const warm = cache.lookup('a', 1000);
      s.answer(offer);
      await warm;
      now = 2000;
      const gone = cache.lookup('a', 1000);
      s.answer(undefined);
      expect(await gone).toEqual({ status: 'not_found' });
      const next = cache.lookup('a', 1000);
      expect(await next).toEqual({ status: 'not_found' }); // negative entry, no read
      expect(s.waiting).toHaveLength(0);
    });

    it('get() still throws for the pipeline, which retries', async () => {
      const s = controlledStore();
      const cache = new CachedOfferStore(s.store);
      const read = cache.get('a');
      s.fail(new Error('down'));
      await expect(read).rejects.toThrow('down');
    });
  });
});
