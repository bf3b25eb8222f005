/**
 * The trace target: AcquireLease reads the offer and the learned mode and hands the tracers what
 * they need in the state, so the tracing tasks read no table; StoreResult records what resolved
 * the offer. No network: the collaborators are small fakes.
 */
import { acquireLease, storeResult, type TaskDeps } from '../../../lambdas/pipeline/tasks';
import { traceWithHttp, type TraceTaskDeps } from '../../../lambdas/pipeline/trace-tasks';
import { traceWithBrowser } from '../../../lambdas/pipeline/browser-task';
import { classifyTaskError } from '../../../lambdas/pipeline/retry-policy';
import type { LeaseState, PipelineState, TraceTarget } from '../../../lambdas/pipeline/pipeline-state';
import type { LearnedMode, TracerMemory } from '../../../lambdas/pipeline/tracer-memory';
import type { Offer } from '../../../lambdas/offers/offer-schema';
import type { Lease, LeasePool } from '../../../lambdas/lease/lease-pool';
import type { LeaseWaiters, TaskTokens } from '../../../lambdas/lease/lease-waiters';
import type { TraceRepository } from '../../../lambdas/traces/trace-repository';
import { ProviderCredentials } from '../../../lambdas/shared/provider-credentials';
import type { TraceResult } from '../../../lambdas/tracer/types';

const NOW = 1_700_000_000_000;
const offer = (over: Partial<Offer> = {}): Offer => ({
  offerId: 'shoes',
  name: 'Shoes',
  redirectUrl: 'https://shop.example/landing',
  trackingUrl: 'https://aff.example/click?o=1',
  country: 'us',
  device: 'desktop',
  passthrough: ['gclid', 'utm_*', 'clickref'],
  tracePolicy: { mode: 'auto', anyCountry: false, enabled: true },
  createdAt: 1,
  updatedAt: 42,
  ...over,
});
const lease: Lease = {
  ipId: 'ip-1',
  host: '127.0.0.1',
  port: 3101,
  provider: 'local',
  country: 'us',
  traceId: 't1',
  leaseId: 'l1',
  fence: 7,
  expiresAt: NOW + 60_000,
  startsAt: NOW,
};
const state = (over: Partial<PipelineState> = {}): PipelineState => ({
  request: { v: 1, traceId: 't1', offerId: 'shoes', source: 'click', params: { gclid: 'g-1' }, clickedAt: NOW - 500, country: 'us', device: 'mobile', attempt: 1 },
  executionName: 't1',
  startedAt: NOW - 100,
  ...over,
});
const withLease = (target?: TraceTarget): PipelineState => state({ lease: { ...lease, acquiredAt: NOW, ...(target ? { target } : {}) } });

function memoryFake(learned?: LearnedMode | Error) {
  const recorded: [string, LearnedMode, number][] = [];
  const reads: string[] = [];
  const memory: TracerMemory = {
    async get(offerId) {
      reads.push(offerId);
      if (learned instanceof Error) throw learned;
      return learned;
    },
    async record(offerId, l, now) {
      recorded.push([offerId, l, now]);
    },
  };
  return { memory, recorded, reads };
}

const answers: { token: string; output?: unknown; error?: string }[] = [];
const tokens: TaskTokens = {
  succeed: async (token, output) => (answers.push({ token, output }), 'sent'),
  fail: async (token, error) => (answers.push({ token, error }), 'sent'),
};

function acquireDeps(o: Offer | undefined, memory: TracerMemory) {
  return {
    clock: () => NOW,
    traces: { markRunning: async () => true, recordLease: async () => undefined } as unknown as TraceRepository,
    pool: { grant: async () => ({ lease, reused: false }), release: async () => ({ released: true }) } as unknown as LeasePool,
    offers: { get: async () => o },
    memory,
    waiters: { hasWaiting: async () => false } as unknown as LeaseWaiters,
    tokens,
  } satisfies Pick<TaskDeps, 'clock' | 'traces' | 'pool' | 'offers' | 'memory' | 'waiters' | 'tokens'>;
}

/** AcquireLease answers its own task token when the pool has an IP: that answer is its output. */
async function acquired(deps: ReturnType<typeof acquireDeps>, s: PipelineState): Promise<LeaseState> {
  answers.length = 0;
  expect(await acquireLease(deps, { taskToken: 'token-1', state: s })).toBe('acquired');
  expect(answers).toHaveLength(1);
  return answers[0]!.output as LeaseState;
}

describe('AcquireLease hands the tracers their target', () => {
  it('puts the tracking URL, the exact passthrough names, the mode and the learned mode in the lease state', async () => {
    const { memory } = memoryFake({ mode: 'browser', offerVersion: 42 });
    const result = await acquired(acquireDeps(offer(), memory), state());
    expect(result).toMatchObject({ ipId: 'ip-1', fence: 7, acquiredAt: NOW });
    expect(result.target).toEqual({
      trackingUrl: 'https://aff.example/click?o=1',
      clickIdParams: ['gclid', 'clickref'],
      mode: 'auto',
      learnedMode: 'browser',
      offerVersion: 42,
    });
    // Small: it rides along in every state transition.
    expect(JSON.stringify(result.target).length).toBeLessThan(300);
  });

  it('forgets a mode learned on an earlier version of the offer', async () => {
    const { memory } = memoryFake({ mode: 'browser', offerVersion: 41 });
    const result = await acquired(acquireDeps(offer(), memory), state());
    expect(result.target).not.toHaveProperty('learnedMode');
  });

  it('reads the memory only for auto offers, and traces without it when it cannot be read', async () => {
    const fixed = memoryFake({ mode: 'browser', offerVersion: 42 });
    const http = await acquired(acquireDeps(offer({ tracePolicy: { mode: 'http', anyCountry: false, enabled: true } }), fixed.memory), state());
    expect(http.target).toMatchObject({ mode: 'http' });
    expect(http.target).not.toHaveProperty('learnedMode');
    expect(fixed.reads).toEqual([]);

    const broken = memoryFake(new Error('throttled'));
    const auto = await acquired(acquireDeps(offer(), broken.memory), state());
    expect(auto.target).not.toHaveProperty('learnedMode');
  });

  it('fails its task with OfferGone when the offer was deleted', async () => {
    answers.length = 0;
    await expect(acquireLease(acquireDeps(undefined, memoryFake().memory), { taskToken: 'token-2', state: state() })).resolves.toBe('failed');
    expect(answers).toEqual([{ token: 'token-2', error: 'OfferGone' }]);
  });
});

describe('the tracing tasks read their target from the state', () => {
  const credentialsRead: string[] = [];
  const traceDeps: TraceTaskDeps = {
    credentials: {
      async get(provider) {
        credentialsRead.push(provider);
        return new ProviderCredentials(provider, 'user', 'secret');
      },
    },
    config: { allowPrivate: true, httpDeadlineMs: 1_000, browserDeadlineMs: 1_000 },
  };
  const target = (over: Partial<TraceTarget> = {}): TraceTarget => ({
    trackingUrl: 'https://aff.example/click?o=1',
    clickIdParams: ['gclid'],
    mode: 'auto',
    offerVersion: 42,
    ...over,
  });

  it('goes straight to the browser for a browser-learned auto offer, from the tracking URL with the click parameters', async () => {
    const next = await traceWithHttp(traceDeps, withLease(target({ learnedMode: 'browser' })));
    expect(next).toEqual({ needsBrowser: true, browserStartUrl: 'https://aff.example/click?o=1&gclid=g-1', traceMs: 0 });
  });

  it('goes straight to the browser for a browser-mode offer', async () => {
    const next = await traceWithHttp(traceDeps, withLease(target({ mode: 'browser' })));
    expect(next.needsBrowser).toBe(true);
  });

  it('fails cleanly, as an internal error, on a state from before the target existed', async () => {
    credentialsRead.length = 0;
    const old = withLease();
    const http = traceWithHttp(traceDeps, old);
    await expect(http).rejects.toMatchObject({ name: 'IncompleteState', message: expect.stringContaining('trace target') });
    const browser = traceWithBrowser(traceDeps, { ...old, trace: { needsBrowser: true, browserStartUrl: 'https://aff.example/', traceMs: 0 } });
    await expect(browser).rejects.toMatchObject({ name: 'IncompleteState' });
    // Nothing was fetched for a state that cannot be traced; Catch → release → RecordFailure retries it.
    expect(credentialsRead).toEqual([]);
    expect(classifyTaskError('IncompleteState')).toBe('internal');
  });
});

describe('StoreResult records what resolved the offer', () => {
  const result: TraceResult = {
    outcome: 'resolved',
    finalUrl: 'https://shop.example/landing?a=1',
    params: { a: '1' },
    mode: 'browser',
    hops: [],
    adsCompatibility: { ok: true, reasons: [] },
    clickIds: { tracked: [], perHop: [], survived: [], lost: [] },
    proxyBytes: 1,
    ms: 5,
  };
  const deps = (memory: TracerMemory) => ({
    clock: () => NOW,
    traces: { storeResult: async () => true } as unknown as TraceRepository,
    memory,
    config: { backoffMs: [1000] },
  });
  const stored = (leaseState: LeaseState): PipelineState => ({ ...state(), lease: leaseState, trace: { needsBrowser: false, result, traceMs: 5 } });

  it('under the offer version the trace ran against', async () => {
    const { memory, recorded } = memoryFake();
    const target: TraceTarget = { trackingUrl: 'https://aff.example/', clickIdParams: [], mode: 'auto', offerVersion: 42 };
    await expect(storeResult(deps(memory), stored({ ...lease, acquiredAt: NOW, target }))).resolves.toMatchObject({ status: 'completed' });
    expect(recorded).toEqual([['shoes', { mode: 'browser', offerVersion: 42 }, NOW]]);
  });

  it("stores an older execution's result without learning from it", async () => {
    const { memory, recorded } = memoryFake();
    await expect(storeResult(deps(memory), stored({ ...lease, acquiredAt: NOW }))).resolves.toMatchObject({ status: 'completed' });
    expect(recorded).toEqual([]);
  });
});
