/**
 * Fencing with the real lease pool and trace records (DynamoDB Local), the pipeline's own task use
 * cases and a driven clock: ReleaseLease's outcome travels in the state, and StoreResult keeps a
 * result only when the lease held until the release. A trace whose lease expired and went to
 * another trace is recorded as lease_lost and retried (dead-lettered once its retries are used up);
 * when the release itself failed, the clock decides, erring on the side of a retry.
 */
import { poolFixture, T0 } from '../lease/pool-fixture';
import { TraceRepository } from '../../../lambdas/traces/trace-repository';
import { releaseLease, storeResult, CLOCK_SKEW_MS } from '../../../lambdas/pipeline/tasks';
import type { PipelineState, ReleaseState } from '../../../lambdas/pipeline/pipeline-state';
import type { TracerMemory } from '../../../lambdas/pipeline/tracer-memory';
import type { TraceRequest } from '../../../lambdas/traces/trace-request';
import type { TraceResult } from '../../../lambdas/tracer/types';
import { newTraceId } from '../../../lambdas/traces/trace-request';

const LEASE_MS = 10_000;
const result: TraceResult = {
  outcome: 'resolved',
  finalUrl: 'https://land.example/?a=1',
  params: { a: '1' },
  mode: 'http',
  hops: [{ url: 'https://t.example/', status: 302, kind: 'start', ms: 3 }],
  adsCompatibility: { ok: true, reasons: [] },
  clickIds: { tracked: [], perHop: [], survived: [], lost: [] },
  proxyBytes: 10,
  ms: 5,
};

async function world(label: string) {
  const f = await poolFixture(label, { leaseMs: LEASE_MS, cooldownMs: 0 });
  const { freshTables } = await import('../../support/local-endpoints');
  const traces = new TraceRepository({ doc: f.doc, tableName: (await freshTables(`${label}-traces`)).Traces, ttlDays: 7 });
  const learned: string[] = [];
  const memory: TracerMemory = { get: async () => undefined, record: async (offerId) => void learned.push(offerId) };
  const deps = { clock: f.now, traces, pool: f.pool, memory, config: { backoffMs: [1000, 1000] } };

  /** A trace through AcquireLease's writes: queued, running, leased (the real pool grants the lease). */
  async function leased(attempt = 1): Promise<PipelineState> {
    const request: TraceRequest = {
      v: 1,
      traceId: newTraceId(),
      offerId: 'shoes',
      source: 'click',
      params: {},
      clickedAt: f.now(),
      country: 'us',
      device: 'desktop',
      attempt,
    };
    await traces.enqueue(request, f.now());
    const executionName = request.traceId;
    await traces.markRunning(request.traceId, attempt, executionName, f.now());
    const lease = await f.pool.acquire('us', request.traceId);
    await traces.recordLease(request.traceId, executionName, { ipId: lease.ipId, fence: lease.fence, provider: lease.provider, country: lease.country }, f.now(), 0);
    return {
      request,
      executionName,
      startedAt: f.now(),
      lease: { ...lease, acquiredAt: f.now(), target: { trackingUrl: 'https://t.example/', clickIdParams: [], mode: 'auto', offerVersion: 1 } },
      trace: { needsBrowser: false, result, traceMs: 5 },
    };
  }
  return { f, traces, deps, learned, leased };
}

describe('StoreResult keeps a result only under a lease that held', () => {
  it('a trace whose lease expired and went to another trace is recorded lease_lost and retried; the other one completes', async () => {
    const { f, traces, deps, learned, leased } = await world('fence-lost');
    await f.seed(1);
    const a = await leased();
    f.advance(LEASE_MS + 1); // A overruns its lease…
    const b = await leased(); // …and the one IP goes to B.
    expect(b.lease!.ipId).toBe(a.lease!.ipId);
    expect(b.lease!.fence).toBe(a.lease!.fence + 1);

    // B finishes first: released, stored.
    const bRelease = await releaseLease(deps, b);
    expect(bRelease).toMatchObject({ released: true, outcome: 'success' });
    expect(await storeResult(deps, { ...b, release: bRelease })).toMatchObject({ status: 'completed', finalUrl: result.finalUrl });

    // A's page answers at last. Its release finds the IP leased since (and released) by B.
    f.advance(1000);
    const aRelease = await releaseLease(deps, a);
    expect(aRelease).toMatchObject({ released: false, reason: 'lease_lost' });
    const aStored = await storeResult(deps, { ...a, release: aRelease });
    expect(aStored).toEqual({ status: 'retry_scheduled', leaseLost: true });
    const aRecord = await traces.get(a.request.traceId);
    expect(aRecord).toMatchObject({
      status: 'retry_scheduled',
      statusAt: f.now() + 1000,
      error: { class: 'lease_lost', message: expect.stringContaining(`fence ${a.lease!.fence}`) },
    });
    expect(aRecord?.finalUrl).toBeUndefined();
    expect(aRecord?.leaseReleasedAt).toBeUndefined();
    // Only B's result taught the tracer memory anything.
    expect(learned).toEqual(['shoes']);
    // B's claim on the IP is the only one: A claims none.
    const bRecord = await traces.get(b.request.traceId);
    expect(bRecord).toMatchObject({ status: 'completed', ip: { fence: b.lease!.fence } });
  });

  it('a lost lease on the last attempt dead-letters the trace', async () => {
    const { f, deps, leased } = await world('fence-last');
    await f.seed(1);
    const a = await leased(3); // backoff [1000, 1000]: attempt 3 is the last
    f.advance(LEASE_MS + 1);
    await leased();
    const release: ReleaseState = await releaseLease(deps, a);
    expect(await storeResult(deps, { ...a, release })).toEqual({ status: 'dead_lettered', leaseLost: true });
  });

  it('a retried release (already released) still counts as held', async () => {
    const { f, deps, leased } = await world('fence-again');
    await f.seed(1);
    const a = await leased();
    await releaseLease(deps, a);
    const again = await releaseLease(deps, a);
    expect(again).toMatchObject({ released: false, reason: 'already_released' });
    expect(await storeResult(deps, { ...a, release: again })).toMatchObject({ status: 'completed' });
  });

  it('when the release failed, the clock decides: before expiry it held, after it may not have', async () => {
    const { f, traces, deps, leased } = await world('fence-clock');
    await f.seed(2);
    const releaseError = { Error: 'ProvisionedThroughputExceededException', Cause: 'throttled' };
    const early = await leased();
    f.advance(LEASE_MS - CLOCK_SKEW_MS - 1);
    expect(await storeResult(deps, { ...early, releaseError })).toMatchObject({ status: 'completed' });

    const late = await leased();
    f.advance(LEASE_MS - CLOCK_SKEW_MS);
    expect(await storeResult(deps, { ...late, releaseError })).toEqual({ status: 'retry_scheduled', leaseLost: true });
    expect((await traces.get(late.request.traceId))?.error?.class).toBe('lease_lost');
    expect(T0).toBeLessThan(f.now());
  });
});
