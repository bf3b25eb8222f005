import { NoIpAvailable } from '../../../lambdas/lease/errors';
import { upsertIps } from '../../../lambdas/lease/ip-import';
import type { Lease } from '../../../lambdas/lease/lease-pool';
import { poolFixture, T0, type PoolFixture } from './pool-fixture';

const LEASE_MS = 90_000;
const COOLDOWN_MS = 60_000;
let f: PoolFixture;

// One table set per test: tests drive the fake clock and must not see each other's IPs.
beforeEach(async () => {
  f = await poolFixture('lease', { leaseMs: LEASE_MS, cooldownMs: COOLDOWN_MS, unhealthyAfter: 3 });
});
afterEach(() => f.close());

async function expectNoIp(promise: Promise<unknown>): Promise<NoIpAvailable> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NoIpAvailable);
  expect((error as Error).name).toBe('NoIpAvailable'); // what Step Functions retries on
  return error as NoIpAvailable;
}

describe('acquire', () => {
  test('leases a free IP of the country with a fence and an expiry', async () => {
    const [rec] = await f.seed(1);
    const lease = await f.pool.acquire('US', 'trace-1');
    expect(lease).toMatchObject({
      ipId: rec!.ipId,
      host: rec!.host,
      port: 7000,
      provider: 'luna',
      country: 'us',
      traceId: 'trace-1',
      fence: 1,
      expiresAt: T0 + LEASE_MS,
    });
    expect(lease.leaseId).toMatch(/^[0-9a-f-]{36}$/);
    const [view] = await f.admin.listIps();
    expect(view).toMatchObject({ state: 'leased', leaseOwner: 'trace-1', fence: 1, lastUsedAt: T0 });
  });

  test('throws NoIpAvailable when every IP of the country is leased, and for an empty country', async () => {
    await f.seed(2);
    await f.pool.acquire('us', 'a');
    await f.pool.acquire('us', 'b');
    const error = await expectNoIp(f.pool.acquire('us', 'c'));
    expect(error.searched).toEqual(['us']);
    await expectNoIp(f.pool.acquire('de', 'd'));
  });

  test('spreads leases over the candidates and never hands one IP to two traces', async () => {
    await f.seed(10);
    const leases = await Promise.all(Array.from({ length: 10 }, (_, i) => f.pool.acquire('us', `t${i}`)));
    expect(new Set(leases.map((l) => l.ipId)).size).toBe(10);
    await expectNoIp(f.pool.acquire('us', 'eleventh'));
  });

  test('a retried acquire with the same traceId returns the same lease', async () => {
    await f.seed(10);
    const first = await f.pool.acquire('us', 'retry-me');
    f.advance(1_000);
    const again = await f.pool.acquire('us', 'retry-me');
    expect(again).toEqual(first);
    const concurrent = await Promise.all([f.pool.acquire('us', 'retry-me'), f.pool.acquire('us', 'retry-me')]);
    expect(concurrent).toEqual([first, first]);
    expect((await f.admin.listIps({ state: 'leased' })).length).toBe(1);
    // Once released, the same traceId gets a new lease (a new trace attempt), not the old one.
    await f.pool.release(first, 'success');
    const after = await f.pool.acquire('us', 'retry-me');
    expect(after.leaseId).not.toBe(first.leaseId);
  });

  test('falls back to any country only when the offer allows it', async () => {
    await f.seed(1, 'de');
    await f.seed(1, 'fr');
    await expectNoIp(f.pool.acquire('us', 'strict'));
    const lease = await f.pool.acquire('us', 'fallback', { anyCountry: true });
    expect(['de', 'fr']).toContain(lease.country);
    await f.pool.acquire('us', 'fallback-2', { anyCountry: true });
    const error = await expectNoIp(f.pool.acquire('us', 'fallback-3', { anyCountry: true }));
    expect([...error.searched].sort()).toEqual(['de', 'fr', 'us']);
  });
});

describe('expiry and stale holders', () => {
  test('an expired lease is simply available again, with a higher fence; no cleanup job', async () => {
    await f.seed(1);
    const a = await f.pool.acquire('us', 'holder-a');
    f.advance(LEASE_MS - 1);
    await expectNoIp(f.pool.acquire('us', 'holder-b'));
    f.advance(1);
    expect((await f.admin.poolStats()).expiredLeases).toBe(1);
    const b = await f.pool.acquire('us', 'holder-b');
    expect(b.ipId).toBe(a.ipId);
    expect(b.fence).toBe(a.fence + 1);
    expect((await f.admin.poolStats()).expiredLeases).toBe(0);
  });

  test('a holder whose lease expired and was re-leased can neither release nor overwrite it', async () => {
    await f.seed(1);
    const a = await f.pool.acquire('us', 'holder-a');
    f.advance(LEASE_MS + 5);
    const b = await f.pool.acquire('us', 'holder-b');
    const before = await f.item(b.ipId);

    expect(await f.pool.release(a, 'proxy_failure')).toEqual({ released: false, reason: 'lease_lost' });
    expect(await f.item(b.ipId)).toEqual(before); // nothing changed, counters included
    // Its retried acquire cannot take B's lease either.
    await expectNoIp(f.pool.acquire('us', 'holder-a'));
    expect(await f.item(b.ipId)).toEqual(before);

    expect(await f.pool.release(b, 'success')).toEqual({ released: true, markedUnhealthy: false });
  });

  test('a late release of an expired but not re-leased lease still counts (nobody else held it)', async () => {
    await f.seed(1);
    const a = await f.pool.acquire('us', 'late');
    f.advance(LEASE_MS * 2);
    expect(await f.pool.release(a, 'success')).toEqual({ released: true, markedUnhealthy: false });
    expect(await f.item(a.ipId)).toMatchObject({ availableAt: f.now() + COOLDOWN_MS, successCount: 1 });
  });

  test('a repeated release changes nothing the second time', async () => {
    await f.seed(1);
    const a = await f.pool.acquire('us', 'twice');
    expect(await f.pool.release(a, 'success')).toEqual({ released: true, markedUnhealthy: false });
    const once = await f.item(a.ipId);
    f.advance(10);
    expect(await f.pool.release(a, 'success')).toEqual({ released: false, reason: 'already_released' });
    expect(await f.item(a.ipId)).toEqual(once);
  });
});

describe('cooldown', () => {
  test('a released IP rests for the cooldown, then is leased again', async () => {
    await f.seed(1);
    const a = await f.pool.acquire('us', 'one');
    f.advance(5_000);
    await f.pool.release(a, 'success');
    expect((await f.admin.listIps())[0]?.state).toBe('cooldown');
    f.advance(COOLDOWN_MS - 1);
    await expectNoIp(f.pool.acquire('us', 'two'));
    f.advance(1);
    const b = await f.pool.acquire('us', 'two');
    expect(b.fence).toBe(2);
  });

  test('the cooldown is configurable per deployment', async () => {
    const short = await poolFixture('lease-cool', { leaseMs: 1_000, cooldownMs: 0 });
    try {
      await short.seed(1);
      const a = await short.pool.acquire('us', 'x');
      await short.pool.release(a, 'success');
      await expect(short.pool.acquire('us', 'y')).resolves.toMatchObject({ fence: 2 });
    } finally {
      short.close();
    }
  });
});

describe('health', () => {
  const cycle = async (trace: string, outcome: Parameters<typeof f.pool.release>[1]) => {
    const lease: Lease = await f.pool.acquire('us', trace);
    const result = await f.pool.release(lease, outcome);
    f.advance(COOLDOWN_MS);
    return { lease, result };
  };

  test('only consecutive proxy failures mark an IP unhealthy; it leaves the index; reset brings it back', async () => {
    const [rec] = await f.seed(1);
    const ipId = rec!.ipId;
    expect((await cycle('p1', 'proxy_failure')).result).toEqual({ released: true, markedUnhealthy: false });
    await cycle('o1', 'offer_failure');
    await cycle('n1', 'network_failure');
    expect((await cycle('p2', 'proxy_failure')).result).toEqual({ released: true, markedUnhealthy: false });
    expect(await f.item(ipId)).toMatchObject({ consecutiveFailures: 2, failureCount: 2, otherFailureCount: 2, healthy: true });

    expect((await cycle('p3', 'proxy_failure')).result).toEqual({ released: true, markedUnhealthy: true });
    const item = await f.item(ipId);
    expect(item).toMatchObject({ healthy: false, consecutiveFailures: 3, failureCount: 3 });
    expect(item.availableAt).toBeUndefined();
    expect(item.leaseOwner).toBeUndefined();
    expect(await f.indexed('us')).toEqual([]);
    f.advance(LEASE_MS * 10);
    await expectNoIp(f.pool.acquire('us', 'after'));
    expect((await f.admin.poolStats()).byState.unhealthy).toBe(1);

    expect(await f.admin.resetHealth()).toEqual({ reset: 1, notFound: [] });
    expect(await f.indexed('us')).toEqual([ipId]);
    expect(await f.item(ipId)).toMatchObject({ healthy: true, consecutiveFailures: 0, availableAt: f.now() });
    await expect(f.pool.acquire('us', 'back')).resolves.toMatchObject({ ipId, fence: 6 }); // five leases before
  });

  test('a success resets the consecutive proxy failures', async () => {
    const [rec] = await f.seed(1);
    await cycle('p1', 'proxy_failure');
    await cycle('p2', 'proxy_failure');
    await cycle('ok', 'success');
    await cycle('p3', 'proxy_failure');
    await cycle('p4', 'proxy_failure');
    expect(await f.item(rec!.ipId)).toMatchObject({ healthy: true, consecutiveFailures: 2, successCount: 1, failureCount: 4 });
  });

  test('the threshold is configurable (1 = first proxy failure)', async () => {
    const strict = await poolFixture('lease-strict', { leaseMs: 1_000, cooldownMs: 0, unhealthyAfter: 1 });
    try {
      const [rec] = await strict.seed(1);
      const a = await strict.pool.acquire('us', 'x');
      expect(await strict.pool.release(a, 'network_failure')).toEqual({ released: true, markedUnhealthy: false });
      const b = await strict.pool.acquire('us', 'y');
      expect(await strict.pool.release(b, 'proxy_failure')).toEqual({ released: true, markedUnhealthy: true });
      expect(await strict.indexed('us')).toEqual([]);
      expect(await strict.admin.resetHealth([rec!.ipId, 'nope'])).toEqual({ reset: 1, notFound: ['nope'] });
    } finally {
      strict.close();
    }
  });

  test('reset-health never cuts a live lease short', async () => {
    await f.seed(1);
    const a = await f.pool.acquire('us', 'live');
    expect(await f.admin.resetHealth([a.ipId])).toEqual({ reset: 1, notFound: [] });
    expect(await f.item(a.ipId)).toMatchObject({ availableAt: a.expiresAt, leaseOwner: 'live' });
    await expectNoIp(f.pool.acquire('us', 'other'));
  });
});

describe('provisioning keeps lease state', () => {
  test('re-importing an IP that is leased updates only the operator fields', async () => {
    const [rec] = await f.seed(1);
    const a = await f.pool.acquire('us', 'busy');
    const before = await f.item(a.ipId);
    const result = await upsertIps(f.deps, [{ ...rec!, port: 8000 }]);
    expect(result).toEqual({ upserted: 1, created: 0, updated: 1 });
    const after = await f.item(a.ipId);
    expect(after).toEqual({ ...before, port: 8000, updatedAt: T0 });
    expect(await f.pool.release(a, 'success')).toEqual({ released: true, markedUnhealthy: false });
  });

  test('disabling takes an IP out of the index (after its lease), enabling brings it back', async () => {
    const [rec] = await f.seed(2);
    const a = await f.pool.acquire('us', 'held');
    const held = a.ipId;
    const other = (await f.admin.listIps({ state: 'available' }))[0]!.ipId;
    const recs = [f.record(1), f.record(2)];
    await upsertIps(
      f.deps,
      recs.map((r) => ({ ...r, enabled: false })),
    );
    expect(await f.indexed('us')).toEqual([held]); // the free one left at once; the leased one keeps its lease
    expect((await f.admin.listIps({ state: 'disabled' })).length).toBe(2);
    await f.pool.release(a, 'success');
    expect(await f.indexed('us')).toEqual([]);
    f.advance(COOLDOWN_MS);
    await expectNoIp(f.pool.acquire('us', 'none'));

    await upsertIps(f.deps, recs);
    expect(await f.indexed('us')).toEqual([held, other].sort());
    expect(rec).toBeDefined();
    await expect(f.pool.acquire('us', 'again')).resolves.toBeDefined();
  });
});

describe('admin views', () => {
  test('listIps filters by country and state; poolStats counts by country and state', async () => {
    await f.seed(4, 'us');
    const [gb] = await f.seed(1, 'gb');
    await upsertIps(f.deps, [{ ...f.record(1, 'de'), enabled: false }]);
    for (let i = 0; i < 3; i++) {
      await f.pool.release(await f.pool.acquire('gb', `sick-${i}`), 'proxy_failure');
      f.advance(COOLDOWN_MS);
    }
    await f.pool.acquire('us', 'l1');
    await f.pool.release(await f.pool.acquire('us', 'l2'), 'success');

    const stats = await f.admin.poolStats();
    expect(stats.total).toBe(6);
    expect(stats.byState).toEqual({ available: 2, leased: 1, cooldown: 1, unhealthy: 1, disabled: 1 });
    expect(stats.byCountry).toEqual({
      us: { available: 2, leased: 1, cooldown: 1, unhealthy: 0, disabled: 0, total: 4 },
      gb: { available: 0, leased: 0, cooldown: 0, unhealthy: 1, disabled: 0, total: 1 },
      de: { available: 0, leased: 0, cooldown: 0, unhealthy: 0, disabled: 1, total: 1 },
    });
    expect(stats.healthy).toBe(4);
    expect(stats.utilization).toBeCloseTo(1 / 4);

    expect((await f.admin.listIps({ country: 'GB' })).map((v) => [v.ipId, v.state])).toEqual([[gb!.ipId, 'unhealthy']]);
    expect((await f.admin.listIps({ state: 'leased' })).map((v) => v.leaseOwner)).toEqual(['l1']);
    expect((await f.admin.listIps({ country: 'us', state: 'available' })).length).toBe(2);
    expect((await f.admin.listIps({ limit: 3 })).length).toBe(3);
    const all = await f.admin.listIps();
    expect(all.map((v) => v.country)).toEqual(['de', 'gb', 'us', 'us', 'us', 'us']);
    expect(JSON.stringify(all)).not.toMatch(/password/i);
  });

  test('poolStats at a fixed time: available, leased, cooldown, unhealthy, expired leases', async () => {
    await f.seed(5, 'us');
    const held = await f.pool.acquire('us', 'held'); // leased until T0 + LEASE_MS
    const rested = await f.pool.acquire('us', 'rested');
    await f.pool.release(rested, 'success'); // cooldown until T0 + COOLDOWN_MS
    const dead = await f.pool.acquire('us', 'dead'); // will expire unreleased
    let stats = await f.admin.poolStats(T0 + 1);
    expect(stats.byState).toEqual({ available: 2, leased: 2, cooldown: 1, unhealthy: 0, disabled: 0 });
    expect(stats.utilization).toBeCloseTo(2 / 5);
    expect(stats.expiredLeases).toBe(0);
    stats = await f.admin.poolStats(T0 + LEASE_MS);
    expect(stats.byState).toEqual({ available: 5, leased: 0, cooldown: 0, unhealthy: 0, disabled: 0 });
    expect(stats.expiredLeases).toBe(2);
    expect(stats.byCountry.us).toEqual({ ...stats.byState, total: 5 });
    expect([held.ipId, dead.ipId]).not.toContain(rested.ipId);
  });
});
