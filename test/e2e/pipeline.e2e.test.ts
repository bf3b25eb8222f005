/**
 * The trace pipeline end to end on the local stack: click → SQS → starter → the synthesized
 * state machine (aws-local-stepfunctions) → lease / trace through a local proxy / store / release.
 * Faults are injected the way they happen in AWS: an offer that answers 500 or hangs, a proxy
 * that dies, an empty pool, a Lambda that crashes once, a message delivered twice.
 */
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../local/stack';
import { STACK_START_MS, startTestStack } from '../support/test-stack';
import { until } from '../support/e2e-client';
import { injectCrash } from '../../local/lambda-runtime';
import { startRedirectFixtures, type RedirectFixtures } from '../support/redirect-fixtures';
import type { TraceRecord } from '../../lambdas/traces/trace-record';
import { newTraceId, type TraceRequest } from '../../lambdas/traces/trace-request';

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
      // A busy pool is waited on in the lease-waiter queue; an empty one is given up on after 2 s
      // (AWS: 15 minutes), when the maintenance sweep runs.
      LEASE_PATIENCE_MS: '2000',
    },
  });
}, STACK_START_MS);
afterAll(async () => {
  await stack?.stepFunctions?.idle();
  await stack?.stop();
  await fixtures?.close();
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

async function putOffer(id: string, trackingUrl: string, extra: Record<string, unknown> = {}) {
  const res = await admin(`/admin/offers/${id}`, {
    method: 'PUT',
    body: JSON.stringify({ redirectUrl: 'https://shop.example/landing', trackingUrl, country: 'us', ...extra }),
  });
  expect(res.status).toBeLessThan(300);
}

const click = (offerId: string, gclid: string) => fetch(`${stack.url}/c/${offerId}?gclid=${gclid}`, { redirect: 'manual', headers: { 'user-agent': CHROME } });

async function tracesOf(offerId: string): Promise<TraceRecord[]> {
  const res = await admin(`/admin/traces?offerId=${offerId}&limit=200`);
  return ((await res.json()) as { traces: TraceRecord[] }).traces;
}

/** Messages in a queue, visible or in flight. */
async function messagesIn(queueUrl: string): Promise<number> {
  const { Attributes } = await stack.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? NaN) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? NaN);
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
    // Several rounds of retries; on a loaded CI machine each round takes seconds.
    150_000,
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
    // Completed, and released (ReleaseLease runs before the result is stored).
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
  expect(memory).toMatchObject({ learnedMode: 'http', offerVersion: offer.traceVersion, httpResolved: N });
});

test('a message delivered twice starts one execution; every copy reaches the starter and starts nothing more', async () => {
  await putOffer('dup', `${stack.url}/demo/aff/click`);
  const request: TraceRequest = {
    v: 1,
    traceId: newTraceId(),
    offerId: 'dup',
    source: 'manual',
    params: {},
    clickedAt: Date.now(),
    country: 'us',
    device: 'desktop',
    attempt: 1,
  };
  const deliver = () => stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.queues.TraceRequests, MessageBody: JSON.stringify(request) }));
  const executionsOfTrace = () => [...stack.stepFunctions!.executions.keys()].filter((n) => n.startsWith(request.traceId));
  // Both copies at once, as SQS may deliver them: the starter sees the second while the first is queued or running.
  await Promise.all([deliver(), deliver()]);
  const done = await until('the trace completed', async () => {
    const t = (await tracesOf('dup'))[0];
    return t?.status === 'completed' && t.leaseReleasedAt ? t : undefined;
  });
  // The starter's poller deletes a message only once the starter succeeded with it (a failed one
  // would stay in flight, then reach the DLQ): an empty queue means both copies went through.
  // (Within the test's own timeout, so a copy left in flight fails with this message.)
  await until('both copies consumed', async () => ((await messagesIn(stack.queues.queues.TraceRequests)) === 0 ? true : undefined), 30_000);
  expect(executionsOfTrace()).toEqual([request.traceId]);
  // A copy redelivered after the trace finished: it reaches the starter too, and changes nothing.
  const invocations = stack.lambda.stats('TraceStarter').invocations;
  await deliver();
  await until(
    'the late copy consumed',
    async () => (stack.lambda.stats('TraceStarter').invocations > invocations && (await messagesIn(stack.queues.queues.TraceRequests)) === 0 ? true : undefined),
    30_000,
  );
  expect(await messagesIn(stack.queues.dlqs.TraceRequests)).toBe(0);
  expect(executionsOfTrace()).toEqual([request.traceId]);
  expect((await tracesOf('dup'))[0]).toEqual(done);
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
}, 180_000);

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
}, 180_000);

test('an empty pool is waited on, recorded as no_ip, and traced once an IP exists', async () => {
  await putOffer('germany', `${stack.url}/demo/aff/click`, { country: 'de' });
  await click('germany', 'x');
  const t = await until('no-ip recorded', async () => {
    const x = (await tracesOf('germany'))[0];
    if (x && settled(x)) return x;
    // The minute sweep ends a waiter past its patience (here run by the test, as schedules are off).
    if (x && Date.now() - x.createdAt > 2000) await stack.runSchedule('Maintenance');
    return undefined;
  });
  expect(t).toMatchObject({ status: 'retry_scheduled', error: { class: 'no_ip' } });
  const proxy = stack.proxies!.proxies[1]!;
  const imported = await admin('/admin/ips', {
    method: 'POST',
    body: JSON.stringify([{ host: '127.0.0.1', port: proxy.port, country: 'de', provider: 'local', ipId: 'local-de-1' }]),
  });
  expect((await imported.json()).accepted).toBe(1);
  const [final] = await retryUntilFinal('germany', 1);
  expect(final).toMatchObject({ status: 'completed', ip: { ipId: 'local-de-1', country: 'de' } });
}, 180_000);

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
}, 180_000);

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
