/**
 * The trace pipeline end to end on the local stack: click → SQS → starter → the synthesized
 * state machine (aws-local-stepfunctions) → lease / trace through a local proxy / store / release.
 * Faults are injected the way they happen in AWS: an offer that answers 500 or hangs, a proxy
 * that dies, an empty pool, a Lambda that crashes once, a message delivered twice.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../support/test-stack';
import { injectCrash } from '../../local/lambda-runtime';
import { startRedirectFixtures, type RedirectFixtures } from '../support/redirect-fixtures';
import type { TraceRecord } from '../../lambdas/traces/trace-record';
import { newTraceId, type TraceRequest } from '../../lambdas/trace-requests/trace-request';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
let stack: LocalStack;
let fixtures: RedirectFixtures;

beforeAll(async () => {
  fixtures = await startRedirectFixtures();
  stack = await startTestStack('e2e-pipe', {
    log: (line) => process.env.E2E_DEBUG && console.log(line),
    proxyCount: 3,
    schedules: false,
    env: {
      LEASE_COOLDOWN_MS: '100',
      LEASE_MS: '20000',
      RETRY_BACKOFF_MS: '100,100,100,100,100',
      TRACE_HTTP_DEADLINE_MS: '2500',
    },
    // NoIpAvailable backoff scaled down (AWS: 5 s doubling to 60 s): ~6 s in all, so a busy pool
    // is waited on and an empty one is given up on quickly.
    retryIntervalOverrides: { AcquireLease: [50, 100, 200, 400, 800, 1600, 1600, 1600] },
  });
});
afterAll(async () => {
  await stack?.stepFunctions?.idle();
  await stack?.stop();
  await fixtures?.close();
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

async function putOffer(id: string, trackingUrl: string, extra: Record<string, unknown> = {}) {
  const res = await admin(`/admin/offers/${id}`, { method: 'PUT', body: JSON.stringify({ redirectUrl: 'https://shop.example/landing', trackingUrl, country: 'us', ...extra }) });
  expect(res.status).toBeLessThan(300);
}

const click = (offerId: string, gclid: string) =>
  fetch(`${stack.url}/c/${offerId}?gclid=${gclid}`, { redirect: 'manual', headers: { 'user-agent': CHROME } });

async function tracesOf(offerId: string): Promise<TraceRecord[]> {
  const res = await admin(`/admin/traces?offerId=${offerId}&limit=200`);
  return ((await res.json()) as { traces: TraceRecord[] }).traces;
}

/** Bounded poll for an effect downstream (never a bare sleep). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const settled = (t: TraceRecord) => !['queued', 'running'].includes(t.status);

/** Drives the retry schedule until every trace of the offer reaches a final status. */
async function retryUntilFinal(offerId: string, count: number): Promise<TraceRecord[]> {
  return until(
    `${count} final traces of ${offerId}`,
    async () => {
      const traces = await tracesOf(offerId);
      if (traces.length === count && traces.every((t) => ['completed', 'failed', 'dead_lettered'].includes(t.status))) return traces;
      if (traces.length && traces.every(settled)) await stack.runSchedule('RetrySchedule');
      return undefined;
    },
    60_000,
  );
}

test('concurrent clicks all end as completed traces, with no overlapping leases on any IP', async () => {
  await putOffer('many', `${stack.url}/demo/aff/click`);
  const N = 12;
  const responses = await Promise.all(Array.from({ length: N }, (_, i) => click('many', `g${i}`)));
  expect(responses.map((r) => r.status)).toEqual(Array(N).fill(302));
  let last: TraceRecord[] = [];
  const traces = await until('12 completed traces', async () => {
    const t = (last = await tracesOf('many'));
    // Completed, and released (ReleaseLease runs right after the result is stored).
    return t.length === N && t.every((x) => x.status === 'completed' && x.leaseReleasedAt) ? t : undefined;
  }).catch((error: Error) => {
    throw new Error(`${error.message}: ${JSON.stringify(last.map((t) => [t.status, t.error, t.executionName]))}`);
  });
  for (const t of traces) {
    expect(t.finalUrl).toMatch(/\/demo\/landing\?gclid=g\d+&aff_sub=demo-sub&clickref=cr-1234$/);
    expect(t.params).toMatchObject({ aff_sub: 'demo-sub', clickref: 'cr-1234' });
    expect(t.proxyBytes).toBeGreaterThan(0);
    expect(t.timings?.totalMs).toBeGreaterThan(0);
    expect(t.leaseReleasedAt).toBeGreaterThanOrEqual(t.leaseAcquiredAt!);
  }
  const byIp = new Map<string, TraceRecord[]>();
  for (const t of traces) byIp.set(t.ip!.ipId, [...(byIp.get(t.ip!.ipId) ?? []), t]);
  for (const list of byIp.values()) {
    list.sort((a, b) => a.ip!.fence - b.ip!.fence);
    for (let i = 1; i < list.length; i++) {
      expect(list[i]!.leaseAcquiredAt!).toBeGreaterThanOrEqual(list[i - 1]!.leaseReleasedAt!);
      expect(list[i]!.ip!.fence).toBeGreaterThan(list[i - 1]!.ip!.fence);
    }
  }
  // The proxies really carried the traffic.
  expect(stack.proxies!.proxies.reduce((n, p) => n + p.stats().requests, 0)).toBeGreaterThanOrEqual(N);
  // StoreResult learned how this version of the offer resolves, in the memory table, not on the offer.
  const offer = (await (await admin('/admin/offers/many')).json()) as Record<string, unknown>;
  expect(offer).not.toHaveProperty('learnedMode');
  // (StoreResult writes it just after the trace record, so it may land a moment after "completed".)
  const memory = await until('every trace learned from', async () => {
    const { Item } = await stack.doc.send(new GetCommand({ TableName: stack.tables.TracerMemory, Key: { offerId: 'many' } }));
    return Item?.httpResolved === N ? Item : undefined;
  });
  expect(memory).toMatchObject({ learnedMode: 'http', offerVersion: offer.updatedAt, httpResolved: N });
});

test('a message delivered twice starts one execution', async () => {
  await putOffer('dup', `${stack.url}/demo/aff/click`);
  const request: TraceRequest = { v: 1, traceId: newTraceId(), offerId: 'dup', source: 'manual', params: {}, clickedAt: Date.now(), country: 'us', device: 'desktop', attempt: 1 };
  const body = JSON.stringify(request);
  await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.queues.TraceRequests, MessageBody: body }));
  await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.queues.TraceRequests, MessageBody: body }));
  await until('the trace completed', async () => ((await tracesOf('dup'))[0]?.status === 'completed' ? true : undefined));
  await new Promise((r) => setTimeout(r, 1500)); // let the second copy be consumed too
  expect([...stack.stepFunctions!.executions.keys()].filter((n) => n.startsWith(request.traceId))).toEqual([request.traceId]);
});

test('an offer answering 500 is retried with backoff, then dead-lettered; the IP is not punished', async () => {
  await putOffer('broken', fixtures.url('/status/500'));
  await click('broken', 'x');
  const first = await until('first attempt recorded', async () => {
    const t = (await tracesOf('broken'))[0];
    return t && settled(t) ? t : undefined;
  });
  expect(first).toMatchObject({ status: 'retry_scheduled', attempts: 1, error: { class: 'offer' } });
  const [final] = await retryUntilFinal('broken', 1);
  expect(final).toMatchObject({ status: 'dead_lettered', attempts: 6, error: { class: 'offer' } });
  const ips = (await (await admin('/admin/ips')).json()) as { ips: { healthy: boolean; consecutiveFailures: number }[] };
  expect(ips.ips.every((ip) => ip.healthy && ip.consecutiveFailures === 0)).toBe(true);
});

test('a hanging offer times out within the deadline and is retried', async () => {
  await putOffer('hangs', fixtures.url('/hang'));
  await click('hangs', 'x');
  // Settled, and the release step (which runs after the result is stored) has run.
  const t = await until('hang recorded', async () => {
    const x = (await tracesOf('hangs'))[0];
    return x && settled(x) && x.leaseReleasedAt ? x : undefined;
  });
  expect(t).toMatchObject({ status: 'retry_scheduled', outcome: 'timeout', error: { class: 'network' } });
  expect(t.leaseReleasedAt).toBeDefined();
});

test('a trace function that crashes once is caught, its lease released, and the retry completes', async () => {
  await putOffer('crashy', `${stack.url}/demo/aff/click`);
  injectCrash('TraceHttp', 1);
  await click('crashy', 'x');
  const t = await until('crash recorded', async () => {
    const x = (await tracesOf('crashy'))[0];
    return x && settled(x) && x.leaseReleasedAt ? x : undefined;
  });
  expect(t).toMatchObject({ status: 'retry_scheduled', error: { class: 'internal' } });
  expect(t.error!.message).toMatch(/Runtime.ExitError/);
  expect(t.leaseReleasedAt).toBeDefined();
  const [final] = await retryUntilFinal('crashy', 1);
  expect(final).toMatchObject({ status: 'completed', attempts: 2, executionName: `${final!.traceId}-a2` });
});

test('an empty pool is waited on, recorded as no_ip, and traced once an IP exists', async () => {
  await putOffer('germany', `${stack.url}/demo/aff/click`, { country: 'de' });
  await click('germany', 'x');
  const t = await until('no-ip recorded', async () => {
    const x = (await tracesOf('germany'))[0];
    return x && settled(x) ? x : undefined;
  });
  expect(t).toMatchObject({ status: 'retry_scheduled', error: { class: 'no_ip' } });
  const proxy = stack.proxies!.proxies[1]!;
  const imported = await admin('/admin/ips', { method: 'POST', body: JSON.stringify([{ host: '127.0.0.1', port: proxy.port, country: 'de', provider: 'local', ipId: 'local-de-1' }]) });
  expect((await imported.json()).accepted).toBe(1);
  const [final] = await retryUntilFinal('germany', 1);
  expect(final).toMatchObject({ status: 'completed', ip: { ipId: 'local-de-1', country: 'de' } });
});

test('a dead proxy fails its traces with class proxy; they are retried until they complete', async () => {
  await putOffer('deadproxy', `${stack.url}/demo/aff/click`);
  type IpView = { ipId: string; port: number; failureCount: number; successCount: number };
  const ipsNow = async () => ((await (await admin('/admin/ips?country=us')).json()) as { ips: IpView[] }).ips;
  const victim = stack.proxies!.proxies[2]!;
  const before = (await ipsNow()).find((ip) => ip.port === victim.port)!;
  await victim.kill();
  for (let i = 0; i < 6; i++) await click('deadproxy', `d${i}`);
  const traces = await retryUntilFinal('deadproxy', 6);
  expect(traces.every((t) => t.status === 'completed')).toBe(true);
  const after = (await ipsNow()).find((ip) => ip.port === victim.port)!;
  // Nothing completed through the dead proxy; every attempt that leased it was a proxy failure.
  expect(traces.filter((t) => t.ip!.ipId === before.ipId)).toEqual([]);
  expect(after.successCount).toBe(before.successCount);
  // Each retried attempt of these traces failed on the dead proxy (other offers' retries may add more).
  const retriedAttempts = traces.reduce((n, t) => n + t.attempts - 1, 0);
  expect(after.failureCount - before.failureCount).toBeGreaterThanOrEqual(retriedAttempts);
});

test('maintenance writes a pool statistics snapshot and reports expired leases', async () => {
  const result = (await stack.runSchedule('Maintenance')) as { expiredLeases: number; timedOut: number };
  expect(result).toMatchObject({ expiredLeases: expect.any(Number), timedOut: expect.any(Number) });
  const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
  const snapshots = await stack.doc.send(
    new QueryCommand({ TableName: stack.tables.Ops, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'poolstats' } }),
  );
  expect(snapshots.Items?.length).toBeGreaterThan(0);
  expect(snapshots.Items![0]).toMatchObject({ total: expect.any(Number), byState: expect.objectContaining({ available: expect.any(Number) }) });
});
