/**
 * A backlog waits its turn, end to end on the local stack: clicks → SQS → starter → the
 * synthesized state machine, whose AcquireLease is a callback task. Traces that find no IP queue
 * on their task token; each release hands its IP (in its cooldown) to the longest waiter of its
 * country; the execution waits for the lease to start in one Wait state. No polling, no retries.
 */
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../support/test-stack';
import { injectCrash } from '../../local/lambda-runtime';
import type { TraceRecord } from '../../lambdas/traces/trace-record';
import { e2eClient, until } from '../support/e2e-client';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const COOLDOWN_MS = 1500;
let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack('e2e-backlog', {
    log: (line) => process.env.E2E_DEBUG && console.log(line),
    proxyCount: 2,
    schedules: false,
    env: { LEASE_COOLDOWN_MS: String(COOLDOWN_MS), LEASE_MS: '20000', RETRY_BACKOFF_MS: '100,100,100,100,100' },
  });
  // Two US IPs, and a German one (through the second local proxy, under its own id).
  const proxy = stack.proxies!.proxies[1]!;
  const imported = await admin('/admin/ips', {
    method: 'POST',
    body: JSON.stringify([{ host: '127.0.0.1', port: proxy.port, country: 'de', provider: 'local', ipId: 'local-de-1' }]),
  });
  expect(((await imported.json()) as { accepted: number }).accepted).toBe(1);
}, 180_000);
afterAll(async () => {
  await stack?.stepFunctions?.idle();
  await stack?.stop();
}, 120_000);

const { admin, tracesOf } = e2eClient(() => stack);

async function putOffer(id: string, country: string) {
  const body = { redirectUrl: 'https://shop.example/landing', trackingUrl: `${stack.url}/demo/aff/click`, country, tracePolicy: { mode: 'http', maxTracesPerMinute: 600 } };
  const res = await admin(`/admin/offers/${id}`, { method: 'PUT', body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
}

/** Clicks one after the other, so their executions start in this order. */
async function clicks(offerId: string, n: number, prefix: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${stack.url}/c/${offerId}?gclid=${prefix}${i}`, { redirect: 'manual', headers: { 'user-agent': CHROME } });
    expect(res.status).toBe(302);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const allCompleted = (offerId: string, n: number) =>
  until(`${n} completed traces of ${offerId}`, async () => {
    const traces = await tracesOf(offerId);
    if (traces.some((t) => t.status !== 'completed' && !['queued', 'running'].includes(t.status))) {
      throw new Error(`a trace of ${offerId} did not complete: ${JSON.stringify(traces.filter((t) => t.status !== 'completed'))}`);
    }
    return traces.length === n && traces.every((t) => t.status === 'completed') ? traces : undefined;
  });

/** When the execution started (the queue's order): the click, plus its wait in SQS. */
const startedAt = (t: TraceRecord) => t.request.clickedAt + (t.timings?.queueWaitMs ?? 0);

/**
 * When a trace reached the pool: its AcquireLease function's invocation, from the execution's task
 * log. Until that function returns, the trace is neither leased nor queued.
 */
function arrival(t: TraceRecord): { readonly from: number; readonly to: number } {
  const run = stack.stepFunctions!.executions.get(t.traceId)!.tasks.find((task) => task.state === 'AcquireLease')!;
  return { from: run.scheduledAt, to: run.returnedAt! };
}

/**
 * First come, first served: of two traces, the one that started first never got its lease later —
 * whenever it had reached the pool (queued or leased) before the other one even asked. Which of
 * two traces asking at once is seen first is up to the scheduler, in AWS too (a cold start, a
 * slow invoke), so such pairs are not judged.
 */
function expectFifo(traces: TraceRecord[]) {
  const byStart = [...traces].sort((a, b) => startedAt(a) - startedAt(b));
  for (let i = 0; i < byStart.length; i++) {
    for (let j = i + 1; j < byStart.length; j++) {
      const [a, b] = [byStart[i]!, byStart[j]!];
      if (startedAt(a) === startedAt(b) || arrival(a).to >= arrival(b).from) continue;
      expect({ a: a.request.params.gclid, b: b.request.params.gclid, order: a.leaseAcquiredAt! <= b.leaseAcquiredAt! }).toEqual({
        a: a.request.params.gclid,
        b: b.request.params.gclid,
        order: true,
      });
    }
  }
}

/** No two leases of one IP overlap, and each starts only after the previous one's cooldown. */
function expectCooldownsKept(traces: TraceRecord[]) {
  const byIp = new Map<string, TraceRecord[]>();
  for (const t of traces) byIp.set(t.ip!.ipId, [...(byIp.get(t.ip!.ipId) ?? []), t]);
  for (const list of byIp.values()) {
    list.sort((a, b) => a.ip!.fence - b.ip!.fence);
    for (let i = 1; i < list.length; i++) expect(list[i]!.leaseAcquiredAt!).toBeGreaterThanOrEqual(list[i - 1]!.leaseReleasedAt! + COOLDOWN_MS - 5);
  }
}

/**
 * Each IP's next lease starts as soon as it can: at the end of the previous lease's cooldown, or
 * when the next trace reached the pool if that was later. Polling would leave gaps of seconds.
 */
function expectNoIdleIp(traces: TraceRecord[], slackMs = 1000) {
  const byIp = new Map<string, TraceRecord[]>();
  for (const t of traces) byIp.set(t.ip!.ipId, [...(byIp.get(t.ip!.ipId) ?? []), t]);
  for (const list of byIp.values()) {
    list.sort((a, b) => a.ip!.fence - b.ip!.fence);
    for (let i = 1; i < list.length; i++) {
      const [prev, next] = [list[i - 1]!, list[i]!];
      const couldStart = Math.max(prev.leaseReleasedAt! + COOLDOWN_MS, arrival(next).to);
      expect({ gclid: next.request.params.gclid, idleMs: Math.max(0, next.leaseAcquiredAt! - couldStart) <= slackMs }).toEqual({
        gclid: next.request.params.gclid,
        idleMs: true,
      });
    }
  }
}

test('a burst of 3 clicks per IP drains in order, none retried, each waiting without polling', async () => {
  await putOffer('burst', 'us');
  await clicks('burst', 6, 'b');
  const traces = await allCompleted('burst', 6);
  expect(traces.map((t) => t.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
  expectFifo(traces);
  expectCooldownsKept(traces);
  // A freed IP never sits idle while someone waits: each IP's next lease starts when the previous
  // one's cooldown ends (or when the next trace arrived, if later), and the wait is recorded as such.
  expectNoIdleIp(traces);
  for (const t of traces) expect(t.timings!.leaseWaitMs).toBe(Math.max(0, t.leaseAcquiredAt! - startedAt(t)));
  // Waiting cost no state transitions: every execution went through the same handful of states.
  for (const t of traces) {
    const execution = stack.stepFunctions!.executions.get(t.traceId)!;
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.transitions).toBeLessThanOrEqual(10);
  }
});

test('FIFO per country with two countries queued at once', async () => {
  await putOffer('fifo-us', 'us');
  await putOffer('fifo-de', 'de');
  await Promise.all([clicks('fifo-us', 4, 'u'), clicks('fifo-de', 3, 'd')]);
  const [us, de] = await Promise.all([allCompleted('fifo-us', 4), allCompleted('fifo-de', 3)]);
  expect(de.every((t) => t.ip!.country === 'de')).toBe(true);
  expect(us.every((t) => t.ip!.country === 'us')).toBe(true);
  expectFifo(us);
  expectFifo(de);
  expectCooldownsKept([...us, ...de]);
  expect([...us, ...de].every((t) => t.attempts === 1)).toBe(true);
});

test('a hand-off interrupted by a crash still ends every trace completed', async () => {
  await putOffer('crash', 'de');
  // The releasing function dies on its way out, after it released the IP and handed it on: Step
  // Functions retries it, the second release finds the IP already released, and nothing is lost.
  injectCrash('ReleaseLease', 1, { afterHandler: true });
  await clicks('crash', 3, 'c');
  const traces = await allCompleted('crash', 3);
  expectCooldownsKept(traces);
  expect(traces.every((t) => t.attempts === 1)).toBe(true);
});
