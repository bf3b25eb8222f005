/**
 * Many workers, few IPs, real time and a short lease: every grant is recorded and checked.
 * No timing assertions — only the lease invariants (timing belongs to bench/lease.bench.ts).
 */
import { randomUUID } from 'node:crypto';
import { NoIpAvailable } from '../../../lambdas/lease/errors';
import { createLeasePool, type Lease, type ReleaseResult } from '../../../lambdas/lease/lease-pool';
import { countRequests, poolFixture } from './pool-fixture';

const WORKERS = 32;
const IPS = 10;
const TARGET = 1_000;
const LEASE_MS = 300;

interface Grant {
  readonly lease: Lease;
  /** The clock value the acquire's condition used (expiresAt - leaseMs). */
  readonly acquiredAt: number;
  /** Date.now() just before the release was sent: the release's own clock value is >= this. */
  releaseSentAt?: number;
  heldMs?: number;
  result?: ReleaseResult;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`${WORKERS} workers, ${IPS} IPs, ${TARGET} leases: no IP is ever granted to two holders at once`, async () => {
  const f = await poolFixture('contention', { leaseMs: LEASE_MS, cooldownMs: 0, candidates: 10 }, () => Date.now());
  try {
    await f.seed(IPS);
    const requests = countRequests(f.doc);
    const grants: Grant[] = [];
    let noIp = 0;

    const worker = async (): Promise<void> => {
      while (grants.length < TARGET) {
        let lease: Lease;
        try {
          lease = await f.pool.acquire('us', randomUUID());
        } catch (error) {
          if (!(error instanceof NoIpAvailable)) throw error;
          noIp++;
          await sleep(1 + Math.random() * 4); // what Step Functions' retry backoff does, scaled down
          continue;
        }
        const grant: Grant = { lease, acquiredAt: lease.expiresAt - LEASE_MS };
        grants.push(grant);
        // Mostly short holds; one in eight overruns the lease.
        grant.heldMs = Math.random() < 0.125 ? LEASE_MS + 5 + Math.random() * 20 : Math.random() * 8;
        await sleep(grant.heldMs);
        grant.releaseSentAt = Date.now();
        const outcome = Math.random() < 0.05 ? 'network_failure' : 'success';
        grant.result = await f.pool.release(lease, outcome);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));

    expect(grants.length).toBeGreaterThanOrEqual(TARGET);
    const byIp = new Map<string, Grant[]>();
    for (const g of grants) byIp.set(g.lease.ipId, [...(byIp.get(g.lease.ipId) ?? []), g]);
    expect(byIp.size).toBe(IPS);

    let lost = 0;
    for (const [ipId, list] of byIp) {
      list.sort((a, b) => a.lease.fence - b.lease.fence);
      // Every grant is a distinct fence, and together they are 1..n: no grant lost or duplicated.
      expect(list.map((g) => g.lease.fence)).toEqual(list.map((_, i) => i + 1));
      expect(new Set(list.map((g) => g.lease.leaseId)).size).toBe(list.length);
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1]!;
        const next = list[i]!;
        // The previous holder's lease ended — released, or expired — before the next grant.
        const prevEnd = prev.result?.released ? prev.releaseSentAt! : prev.lease.expiresAt;
        if (next.acquiredAt < prevEnd) {
          throw new Error(`${ipId}: fence ${next.lease.fence} granted at ${next.acquiredAt} overlaps fence ${prev.lease.fence} ending ${prevEnd}`);
        }
        // Fences increase in grant order.
        expect(next.acquiredAt).toBeGreaterThanOrEqual(prev.acquiredAt);
      }
      list.forEach((g, i) => {
        if (!g.result?.released) {
          lost++;
          expect(g.result).toEqual({ released: false, reason: 'lease_lost' });
          // Lost means expired and re-leased: a later grant exists, made after this one's expiry.
          expect(list[i + 1]?.acquiredAt).toBeGreaterThanOrEqual(g.lease.expiresAt);
        }
      });
    }
    const overran = grants.filter((g) => g.releaseSentAt! >= g.lease.expiresAt).length;
    expect(overran).toBeGreaterThan(0);

    // The final state agrees with the log: each IP's fence is its number of grants.
    const items = await f.admin.listIps();
    for (const item of items) expect(item.fence).toBe(byIp.get(item.ipId)!.length);
    const stats = await f.admin.poolStats();
    expect(stats.byState.leased + stats.byState.available + stats.byState.cooldown).toBe(IPS);

    console.info(
      `contention: ${grants.length} leases, ${lost} lost to expiry, ${overran} overran, ${noIp} NoIpAvailable, requests ${JSON.stringify(Object.fromEntries(requests))}`,
    );
  } finally {
    f.close();
  }
  // 1,000 leases against DynamoDB Local: seconds on a quiet machine, a minute or more under CI load.
}, 240_000);

test('concurrent acquires of one country try different IPs, even when their random picks agree', async () => {
  const f = await poolFixture('spread', { leaseMs: 60_000, cooldownMs: 0 }, () => Date.now());
  try {
    await f.seed(16);
    // Every random pick is the same: only the per-country ticket can tell the acquires apart.
    const pool = createLeasePool({ ...f.deps, random: () => 0 }, { leaseMs: 60_000, cooldownMs: 0 });
    const updates = countRequests(f.doc);
    const leases = await Promise.all(Array.from({ length: 8 }, () => pool.acquire('us', randomUUID())));
    expect(new Set(leases.map((l) => l.ipId)).size).toBe(8);
    // One conditional write each, give or take a collision between pages read at different moments
    // (with the same pick for all, 8 acquires would make 8 + 7 + … + 1 = 36 writes).
    const grants = (updates.get('UpdateItemCommand') ?? 0) - 8; // minus the 8 ticket counters
    expect(grants).toBeLessThanOrEqual(12);
  } finally {
    f.close();
  }
});
