/**
 * Fencing end to end: a trace that overruns its lease while another trace is granted the same IP
 * does not keep its result. One IP, a 2-second lease, and a page that answers after 5 seconds the
 * first time: trace A leases the IP and stalls on the page, its lease expires, trace B is granted
 * the IP, traces and releases it; A's release then finds the IP leased to someone else, and A is
 * recorded as lease_lost and retried instead of completed. Whatever happens, no two completed
 * traces claim the same lease period of an IP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalStack } from '../../local/stack';
import { STACK_START_MS, startTestStack } from '../support/test-stack';
import { until } from '../support/e2e-client';
import type { TraceRecord } from '../../lambdas/traces/trace-record';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const LEASE_MS = 2000;
const SLOW_MS = 5000;

let stack: LocalStack;
let page: http.Server;
let pageUrl: string;
const slowHits: number[] = [];

beforeAll(async () => {
  // The offer's chain: slow the first time it is fetched, quick afterwards.
  page = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/landing') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>landing</title><p>landed</p>');
    slowHits.push(Date.now());
    const later = slowHits.length === 1 ? SLOW_MS : 0;
    setTimeout(() => res.writeHead(302, { location: `/landing?${url.searchParams}` }).end(), later);
  });
  await new Promise<void>((ok) => page.listen(0, '127.0.0.1', () => ok()));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;

  stack = await startTestStack('e2e-fence', {
    log: (line) => process.env.E2E_DEBUG && console.log(line),
    proxyCount: 1,
    schedules: false,
    env: {
      LEASE_MS: String(LEASE_MS),
      LEASE_COOLDOWN_MS: '0',
      RETRY_BACKOFF_MS: '100,100,100,100,100',
      TRACE_HTTP_DEADLINE_MS: '15000',
    },
  });
}, STACK_START_MS);
afterAll(async () => {
  await stack?.stepFunctions?.idle();
  await stack?.stop();
  page?.closeAllConnections();
  await new Promise((ok) => page?.close(ok));
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

async function putOffer(id: string, trackingUrl: string) {
  const res = await admin(`/admin/offers/${id}`, { method: 'PUT', body: JSON.stringify({ redirectUrl: 'https://shop.example/landing', trackingUrl, country: 'us' }) });
  expect(res.status).toBeLessThan(300);
}

async function tracesOf(offerId: string): Promise<TraceRecord[]> {
  const res = await admin(`/admin/traces?offerId=${offerId}&limit=50`);
  return ((await res.json()) as { traces: TraceRecord[] }).traces;
}

const settled = (t: TraceRecord | undefined) => (t && !['queued', 'running'].includes(t.status) ? t : undefined);

/** The lease period a completed trace's result claims: from its grant to its release (or its result). */
const period = (t: TraceRecord) => [t.leaseAcquiredAt!, t.leaseReleasedAt ?? t.statusAt] as const;

function expectNoSharedLeasePeriod(completed: TraceRecord[]) {
  const byIp = new Map<string, TraceRecord[]>();
  for (const t of completed) byIp.set(t.ip!.ipId, [...(byIp.get(t.ip!.ipId) ?? []), t]);
  for (const list of byIp.values()) {
    list.sort((a, b) => period(a)[0] - period(b)[0]);
    for (let i = 1; i < list.length; i++) {
      const [, prevEnd] = period(list[i - 1]!);
      const [start] = period(list[i]!);
      expect({ trace: list[i]!.traceId, start, overlapsPrevious: start < prevEnd }).toEqual({ trace: list[i]!.traceId, start, overlapsPrevious: false });
      expect(list[i]!.ip!.fence).toBeGreaterThan(list[i - 1]!.ip!.fence);
    }
  }
}

test('a trace whose lease expired and went to another trace mid-trace does not store a normal result', async () => {
  await putOffer('stalls', `${pageUrl}/chain?k=a`);
  await putOffer('quick', `${stack.url}/demo/aff/click`);

  expect((await fetch(`${stack.url}/c/stalls?gclid=a1`, { redirect: 'manual', headers: { 'user-agent': CHROME } })).status).toBe(302);
  // A holds the only IP and is stalled on the page.
  const a = await until('trace A leased the IP', async () => (await tracesOf('stalls')).find((t) => t.ip && t.status === 'running'));
  await until('A is on the slow page', async () => (slowHits.length ? true : undefined));
  expect((await fetch(`${stack.url}/c/quick?gclid=b1`, { redirect: 'manual', headers: { 'user-agent': CHROME } })).status).toBe(302);

  // B is granted the IP once A's lease has expired, traces and releases it — all while A still waits.
  // B waits in the lease-waiter queue; an expired lease is announced by no release, so the minute
  // sweep (run here by the test, as schedules are off) hands the IP to B once A's lease expired.
  const b = await until('trace B completed', async () => {
    const done = (await tracesOf('quick')).find((t) => t.status === 'completed' && t.leaseReleasedAt);
    if (!done) await stack.runSchedule('Maintenance');
    return done;
  }).catch(async (error: Error) => {
    const executions = [...stack.stepFunctions!.executions.values()].map((e) => ({
      status: e.status,
      output: e.output?.slice(0, 1500),
      cause: (e as { cause?: string }).cause,
    }));
    throw new Error(`${error.message}: ${JSON.stringify({ a: await tracesOf('stalls'), b: await tracesOf('quick'), executions }).slice(0, 6000)}`);
  });
  expect(b.ip!.ipId).toBe(a.ip!.ipId);
  expect(b.ip!.fence).toBeGreaterThan(a.ip!.fence);
  // (A's lease expired LEASE_MS after its grant; the record's leaseAcquiredAt is written just after it.)
  expect(b.leaseAcquiredAt!).toBeGreaterThan(a.leaseAcquiredAt! + LEASE_MS / 2);
  expect(slowHits).toHaveLength(1); // A is still waiting on the page

  // A's page answers at last: its release finds the IP leased again, so its result is not kept.
  const aFirst = await until('trace A settled', async () => settled((await tracesOf('stalls')).find((t) => t.traceId === a.traceId)), 30_000);
  expectNoSharedLeasePeriod([...(await tracesOf('stalls')), ...(await tracesOf('quick'))].filter((t) => t.status === 'completed'));
  expect(aFirst).toMatchObject({ status: 'retry_scheduled', attempts: 1, error: { class: 'lease_lost' } });
  expect(aFirst.finalUrl).toBeUndefined();
  expect(aFirst.leaseReleasedAt).toBeUndefined();
  const execution = stack.stepFunctions!.executions.get(a.traceId);
  expect(execution?.status).toBe('SUCCEEDED');
  expect(JSON.parse(execution?.output ?? '{}')).toMatchObject({
    release: { released: false, reason: 'lease_lost' },
    stored: { status: 'retry_scheduled', leaseLost: true },
  });

  // The retry leases the IP afresh (the page is quick now) and completes.
  const aFinal = await until(
    'trace A retried to completion',
    async () => {
      const t = (await tracesOf('stalls')).find((x) => x.traceId === a.traceId);
      if (t?.status === 'completed') return t;
      if (t?.status === 'retry_scheduled') await stack.runSchedule('RetrySchedule');
      return undefined;
    },
    40_000,
  );
  expect(aFinal).toMatchObject({ attempts: 2, ip: { ipId: a.ip!.ipId } });
  expect(aFinal.ip!.fence).toBeGreaterThan(b.ip!.fence);
  expect(aFinal.error).toBeUndefined();
  expectNoSharedLeasePeriod([...(await tracesOf('stalls')), ...(await tracesOf('quick'))].filter((t) => t.status === 'completed'));
});
