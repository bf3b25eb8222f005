/**
 * Model-based property test of one IP's lifecycle: random sequences of acquire (a few traces, so
 * retries happen), release (of any lease ever granted, so stale holders act), time steps and
 * health resets run against the real pool on DynamoDB Local and against a pure model, which must
 * agree on every result and on the IP's state after every step.
 */
import fc from 'fast-check';
import { NoIpAvailable } from '../../../lambdas/lease/errors';
import { upsertIps } from '../../../lambdas/lease/ip-import';
import { ipState, type IpState, type ReleaseOutcome, RELEASE_OUTCOMES } from '../../../lambdas/lease/ip-item';
import type { Lease, ReleaseResult } from '../../../lambdas/lease/lease-pool';
import { poolFixture, T0, type PoolFixture } from './pool-fixture';

const L = 1_000; // lease
const C = 300; // cooldown
const N = 3; // unhealthy after

interface Model {
  healthy: boolean;
  availableAt?: number;
  owner?: string;
  leaseId?: string;
  /** The lease the last release released: a retried release of it is answered as already done. */
  lastReleased?: string;
  fence: number;
  consecutive: number;
}
interface Real {
  f: PoolFixture;
  ipId: string;
  country: string;
  clock: { now: number };
  granted: Lease[];
}
type Cmd = fc.AsyncCommand<Model, Real>;

const stateOf = (m: Model, now: number): IpState => ipState({ enabled: true, healthy: m.healthy, availableAt: m.availableAt, leaseOwner: m.owner }, now);

async function check(m: Model, r: Real): Promise<void> {
  const item = await r.f.item(r.ipId);
  expect(ipState(item as never, r.clock.now)).toBe(stateOf(m, r.clock.now));
  expect(item.fence).toBe(m.fence);
  expect(item.consecutiveFailures).toBe(m.consecutive);
}

class Acquire implements Cmd {
  constructor(readonly trace: string) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const now = r.clock.now;
    // Trace ids are per run: lease pointers of earlier runs live on in the shared Ops table.
    const result = await r.f.pool.acquire(r.country, `${r.country}-${this.trace}`).catch((e: unknown) => e);
    if (m.healthy && m.availableAt !== undefined && m.availableAt <= now) {
      const lease = result as Lease;
      expect(lease.fence).toBe(m.fence + 1);
      Object.assign(m, { fence: m.fence + 1, owner: this.trace, leaseId: lease.leaseId, availableAt: now + L });
      r.granted.push(lease);
    } else if (m.owner === this.trace && (m.availableAt ?? 0) > now) {
      expect((result as Lease).leaseId).toBe(m.leaseId); // the retry gets the same lease
    } else {
      expect(result).toBeInstanceOf(NoIpAvailable);
    }
    await check(m, r);
  }
  toString = () => `acquire(${this.trace})`;
}

class Release implements Cmd {
  constructor(
    readonly pick: number,
    readonly outcome: ReleaseOutcome,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const lease = r.granted[this.pick % Math.max(1, r.granted.length)];
    if (!lease) return;
    const now = r.clock.now;
    const result = await r.f.pool.release(lease, this.outcome);
    let expected: ReleaseResult;
    // Released, and the IP leased again since (a release hands it on to a waiting trace): a retry
    // of that release is told it is done, not that its lease was lost.
    if (lease.leaseId === m.lastReleased) expected = { released: false, reason: 'already_released' };
    else if (lease.leaseId !== m.leaseId) expected = { released: false, reason: 'lease_lost' };
    else if (m.owner === undefined) expected = { released: false, reason: 'already_released' };
    else {
      m.owner = undefined;
      m.lastReleased = lease.leaseId;
      m.availableAt = now + C;
      if (this.outcome === 'success') m.consecutive = 0;
      if (this.outcome === 'proxy_failure') m.consecutive++;
      const sick = this.outcome === 'proxy_failure' && m.consecutive >= N;
      if (sick) Object.assign(m, { healthy: false, availableAt: undefined });
      expected = { released: true, markedUnhealthy: sick };
    }
    expect(result).toEqual(expected);
    await check(m, r);
  }
  toString = () => `release(#${this.pick}, ${this.outcome})`;
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    r.clock.now += this.ms;
    await check(m, r);
  }
  toString = () => `advance(${this.ms})`;
}

class ResetHealth implements Cmd {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    await r.f.admin.resetHealth([r.ipId]);
    Object.assign(m, { healthy: true, consecutive: 0, availableAt: m.availableAt ?? r.clock.now });
    await check(m, r);
  }
  toString = () => 'resetHealth';
}

const commands = fc.commands(
  [
    fc.constantFrom('t1', 't2', 't3').map((t) => new Acquire(t)),
    fc.tuple(fc.nat(20), fc.constantFrom(...RELEASE_OUTCOMES)).map(([p, o]) => new Release(p, o)),
    fc.constantFrom(1, C - 1, C, L - 1, L, L + C).map((ms) => new Advance(ms)),
    fc.constant(new ResetHealth()),
  ],
  { maxCommands: 30 },
);

test('one IP: the real pool and the model agree on every step', async () => {
  const clock = { now: T0 };
  const f = await poolFixture('lifecycle', { leaseMs: L, cooldownMs: C, unhealthyAfter: N }, () => clock.now);
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        // A fresh IP (in its own pseudo-country) per run, on the same tables.
        const country = `m${run++}`;
        const record = { ...f.record(1, 'us'), ipId: `model-${run}`, country };
        clock.now = T0;
        await upsertIps(f.deps, [record]);
        const real: Real = { f, ipId: record.ipId, country, clock, granted: [] };
        const model: Model = { healthy: true, availableAt: T0, fence: 0, consecutive: 0 };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      }),
      { numRuns: 40 },
    );
  } finally {
    f.close();
  }
});
