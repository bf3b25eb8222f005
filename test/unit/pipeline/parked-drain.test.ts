/**
 * The parked-click drain's logic with in-memory ports: batches of at most 10 requests and 256 KiB,
 * a bounded number of sends in flight, a cursor that never passes a click SQS has not accepted
 * (whatever order the sends finish in), refusals parked again, a deadline that stops new batches;
 * and the settle margin derived from the function manifest. (The same behaviour against the local
 * DynamoDB and SQS: test/integration/pipeline/retry-schedule.test.ts.)
 */
import { v7 as uuidv7 } from 'uuid';
import {
  BATCH_MAX_BYTES,
  CLOCK_SKEW_MS,
  drainParked,
  messageBytes,
  PARKED_SETTLE_MS,
  parkingFunctions,
  settleMarginMs,
  SIGNATURE_VALIDITY_MS,
  toBatches,
  type ParkedCursor,
  type ParkedRequest,
  type ParkedRequestStore,
  type TraceBatchQueue,
} from '../../../lambdas/pipeline/parked-drain';
import { PARK_SIGN_WINDOW_MS, PARKED_RETENTION_DAYS, parkKeyBefore, parkKeyTime } from '../../../lambdas/traces/trace-sink';
import { FUNCTIONS } from '../../../contracts/manifest/functions';
import { QUEUES } from '../../../contracts/manifest/queues';
import type { TraceRequest } from '../../../lambdas/traces/trace-request';

/** Keys of clicks made an hour before the settle margin, 10 ms apart. */
const T0 = Date.now() - PARKED_SETTLE_MS - 3_600_000;
const request = (i: number, params: Record<string, string> = {}): TraceRequest => ({
  v: 1,
  traceId: uuidv7({ msecs: T0 + i * 10 }),
  offerId: 'o',
  source: 'click',
  params,
  clickedAt: 1,
  country: 'us',
  device: 'desktop',
  attempt: 1,
});
const parked = (n: number): ParkedRequest[] =>
  Array.from({ length: n }, (_, i) => {
    const r = request(i);
    return { key: r.traceId, request: r };
  });

/** The parked partition and its cursor in memory, with what each cursor write said. */
function memoryStore(items: ParkedRequest[]) {
  const all = new Map(items.map((i) => [i.key, i]));
  let cursor: ParkedCursor & { leaseUntil: number } = { above: [], version: 0, leaseUntil: 0 };
  const store: ParkedRequestStore = {
    async claim(now, until) {
      if (cursor.leaseUntil > now) return undefined;
      cursor = { ...cursor, version: cursor.version + 1, leaseUntil: until };
      return cursor;
    },
    async page(limit, range, start) {
      const from = (start as string | undefined) ?? range.after;
      const keys = [...all.keys()].sort().filter((k) => (from === undefined || k > from) && k < range.before);
      const page = keys.slice(0, limit).map((k) => all.get(k)!);
      return { items: page, ...(keys.length > limit ? { next: page.at(-1)!.key } : {}) };
    },
    async advance(version, next, release) {
      if (cursor.version !== version) return false;
      cursor = { ...cursor, ...next, version: version + 1, leaseUntil: release ? 0 : cursor.leaseUntil };
      return true;
    },
    async repark(r) {
      const key = uuidv7();
      all.set(key, { key, request: r });
    },
  };
  /** Keys above the cursor: not yet handed over. */
  const pending = () => [...all.keys()].sort().filter((k) => (cursor.position === undefined || k > cursor.position) && !cursor.above.includes(k));
  return { store, pending, cursor: () => cursor };
}

describe('toBatches', () => {
  it('cuts at 10 requests', () => {
    expect(toBatches(parked(25)).map((b) => b.length)).toEqual([10, 10, 5]);
  });

  it('cuts before a batch would pass 256 KiB', () => {
    const big = (i: number) => ({ key: `b${i}`, request: request(i, { blob: 'x'.repeat(100_000) }) });
    const batches = toBatches([big(1), big(2), big(3), big(4)]);
    expect(batches.map((b) => b.length)).toEqual([2, 2]);
    for (const b of batches) expect(b.reduce((n, i) => n + messageBytes(i.request), 0)).toBeLessThanOrEqual(BATCH_MAX_BYTES);
  });
});

describe('parked keys', () => {
  it('sort by their time, and parkKeyBefore(t) sits above every key older than t and below every other', () => {
    const at = 1_780_000_000_123;
    const keys = [at - 1, at, at + 1].map((msecs) => uuidv7({ msecs }));
    expect(keys.map(parkKeyTime)).toEqual([at - 1, at, at + 1]);
    const bound = parkKeyBefore(at);
    expect(keys.map((k) => k < bound)).toEqual([true, false, false]);
    expect(parkKeyTime('not-a-uuid')).toBeNaN();
  });
});

describe('the settle margin', () => {
  it('covers every function that may park, the signing window, an expired signature and clock skew', () => {
    const parkers = parkingFunctions(FUNCTIONS).map((f) => f.id);
    expect(parkers).toEqual(expect.arrayContaining(['Click', 'TrackierWebhook', 'TrackierAdmin', 'RetrySchedule']));
    for (const f of parkingFunctions(FUNCTIONS)) {
      expect(PARKED_SETTLE_MS).toBeGreaterThanOrEqual((f.timeoutSeconds ?? 10) * 1000 + SIGNATURE_VALIDITY_MS + CLOCK_SKEW_MS);
    }
    expect(PARKED_SETTLE_MS).toBeGreaterThanOrEqual(PARK_SIGN_WINDOW_MS + SIGNATURE_VALIDITY_MS + CLOCK_SKEW_MS);
    expect(PARKED_SETTLE_MS).toBe(settleMarginMs(FUNCTIONS));
  });

  it("grows with a parking function's timeout", () => {
    const longer = FUNCTIONS.map((f) => (f.id === 'TrackierWebhook' ? { ...f, timeoutSeconds: 900 } : f));
    expect(settleMarginMs(longer)).toBe(900_000 + SIGNATURE_VALIDITY_MS + CLOCK_SKEW_MS);
  });

  it('is far shorter than a parked item is kept: TTL takes nothing the drain has not had days to send', () => {
    expect(PARKED_RETENTION_DAYS).toBeGreaterThanOrEqual(QUEUES.TraceRequests.retentionDays);
    expect(PARKED_RETENTION_DAYS * 86_400_000 - PARKED_SETTLE_MS).toBeGreaterThan(QUEUES.TraceRequests.retentionDays * 86_400_000);
  });
});

describe('drainParked', () => {
  it('moves the cursor only over accepted clicks, however the sends finish, with at most `concurrency` in flight', async () => {
    const items = parked(95);
    const memory = memoryStore(items);
    const keys = items.map((p) => p.key);
    const accepted = new Set<string>();
    let checked = 0;
    // Each cursor write, as it is made: everything up to its position, and its `above`, accepted already.
    const store: ParkedRequestStore = {
      ...memory.store,
      advance: async (version, next, release) => {
        const upTo = next.position === undefined ? 0 : keys.indexOf(next.position) + 1;
        for (const k of [...keys.slice(0, upTo), ...next.above]) expect(accepted.has(k)).toBe(true);
        checked++;
        return memory.store.advance(version, next, release);
      },
    };
    let inFlight = 0;
    let most = 0;
    let call = 0;
    const queue: TraceBatchQueue = {
      async sendBatch(requests) {
        most = Math.max(most, ++inFlight);
        // Later calls often finish first.
        await new Promise((r) => setTimeout(r, 12 - 3 * (call++ % 4)));
        inFlight--;
        for (const r of requests) accepted.add(r.traceId);
        return [];
      },
    };
    const summary = await drainParked({ store, queue, clock: Date.now, stopAt: Date.now() + 10_000, concurrency: 3, pageSize: 20, cursorEvery: 10 });
    expect(most).toBe(3);
    expect(summary).toMatchObject({ sent: 95, failed: 0, unrecorded: 0, complete: true });
    expect(checked).toBeGreaterThan(2);
    expect(memory.pending()).toEqual([]);
    expect(memory.cursor()).toMatchObject({ position: keys.at(-1), above: [], leaseUntil: 0 });
  });

  it('parks a refused click again under a fresh key and moves on', async () => {
    const { store, pending } = memoryStore(parked(30));
    const queue: TraceBatchQueue = { sendBatch: async () => [0] }; // SQS refuses the first entry of every batch
    const summary = await drainParked({ store, queue, clock: Date.now, stopAt: Date.now() + 10_000, concurrency: 2 });
    expect(summary).toMatchObject({ sent: 27, reparked: 3, failed: 0, complete: true });
    // The three refused ones, under keys of now: too young for this run, sent by a later one.
    const left = pending();
    expect(left).toHaveLength(3);
    for (const k of left) expect(parkKeyTime(k)).toBeGreaterThan(T0 + 30 * 10);
  });

  it('starts no batch after the deadline and says it is not done; the next run continues', async () => {
    const { store, pending } = memoryStore(parked(50));
    let now = 0;
    const clock = () => T0 + PARKED_SETTLE_MS + 3_600_000 + now;
    const queue: TraceBatchQueue = { sendBatch: async () => ((now += 10), []) };
    const first = await drainParked({ store, queue, clock, stopAt: clock() + 20, concurrency: 1 });
    expect(first).toMatchObject({ sent: 20, complete: false });
    expect(pending()).toHaveLength(30);
    const second = await drainParked({ store, queue, clock, stopAt: clock() + 1000, concurrency: 1 });
    expect(second).toMatchObject({ sent: 30, complete: true });
    expect(pending()).toEqual([]);
  });

  it('does nothing while another run holds the drain', async () => {
    const { store } = memoryStore(parked(5));
    await store.claim(Date.now(), Date.now() + 60_000);
    expect(await drainParked({ store, queue: { sendBatch: async () => [] }, clock: Date.now, stopAt: Date.now() + 1000 })).toMatchObject({ busy: true, sent: 0 });
  });

  it('reports a complete drain of an empty partition', async () => {
    const { store } = memoryStore([]);
    expect(await drainParked({ store, queue: { sendBatch: async () => [] }, clock: Date.now, stopAt: Date.now() + 1000 })).toEqual({
      sent: 0,
      reparked: 0,
      failed: 0,
      unrecorded: 0,
      pages: 1,
      busy: false,
      complete: true,
    });
  });
});
