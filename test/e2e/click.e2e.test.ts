/**
 * The click path end to end on the local stack: HTTP router → click handler → DynamoDB Local
 * offer → local SQS message; with the pipeline running, the starter's trace budget and duplicate
 * click ids; and with DynamoDB stalled (its own DynamoDB Local, stopped with SIGSTOP), clicks that
 * still answer.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../local/stack';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import { STACK_START_MS, startTestStack } from '../support/test-stack';
import { ENV } from '../../contracts/manifest/env';
import { parseTraceRequest } from '../../lambdas/traces/trace-request';
import { offerKey } from '../../lambdas/offers/offer-item';
import type { TraceRecord } from '../../lambdas/traces/trace-record';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack('e2e-click', {
    pipeline: false,
    schedules: false,
  });
}, STACK_START_MS);
afterAll(() => stack?.stop());

const get = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, { redirect: 'manual', ...init, headers: { 'user-agent': CHROME, ...(init.headers ?? {}) } });
const admin = (path: string, init: RequestInit = {}) =>
  get(path, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

async function drain(): Promise<ReturnType<typeof parseTraceRequest>[]> {
  const out = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.queues.queues.TraceRequests, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return (out.Messages ?? []).map((m) => parseTraceRequest(m.Body!));
}

describe('click on the local stack', () => {
  it('answers 302 with the click ids and queues the trace request', async () => {
    const res = await get(`/c/${stack.demoOfferId}?gclid=G-123&utm_source=google&evil=1`);
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const location = new URL(res.headers.get('location')!);
    expect(location.pathname).toBe('/demo/landing');
    expect(Object.fromEntries(location.searchParams)).toEqual({ gclid: 'G-123', utm_source: 'google' });
    const queued = await drain();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ offerId: 'demo', source: 'click', params: { gclid: 'G-123', utm_source: 'google' }, country: 'us' });
  });

  it('serves the seed-compatible /track-hit-instant route', async () => {
    const res = await get(`/track-hit-instant?offer=${stack.demoOfferId}&gclid=G-9`);
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('gclid')).toBe('G-9');
    expect((await drain()).map((r) => r.params.gclid)).toEqual(['G-9']);
  });

  it('answers unknown offers with a 404 page and queues nothing', async () => {
    const res = await get('/c/no-such-offer?gclid=x');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('no-such-offer');
    expect(await drain()).toEqual([]);
  });

  it('never reflects CR/LF into headers and redirects bots without tracing', async () => {
    const res = await get(`/c/${stack.demoOfferId}?gclid=a%0d%0aSet-Cookie:%20x=1`, { method: 'HEAD' });
    expect(res.status).toBe(302);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(new URL(res.headers.get('location')!).searchParams.get('gclid')).toBeNull();
    const bot = await get(`/c/${stack.demoOfferId}`, { headers: { 'user-agent': 'facebookexternalhit/1.1' } });
    expect(bot.status).toBe(302);
    expect(await drain()).toEqual([]);
  });

  it('creates an offer through the admin API and redirects to it at once', async () => {
    const body = JSON.stringify({ redirectUrl: 'https://shop.example/land?ref=1', country: 'DE', passthrough: ['gclid'] });
    expect((await get('/admin/offers/shoes', { method: 'PUT', body })).status).toBe(401);
    expect((await admin('/admin/offers/shoes', { method: 'PUT', body, headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
    const bad = await admin('/admin/offers/shoes', { method: 'PUT', body: JSON.stringify({ redirectUrl: 'ftp://x', extra: 1 }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_request', details: expect.any(Array) });
    const created = await admin('/admin/offers/shoes', { method: 'PUT', body });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ offerId: 'shoes', country: 'de', device: 'desktop' });
    const res = await get('/c/shoes?gclid=G&fbclid=F');
    expect(res.headers.get('location')).toBe('https://shop.example/land?ref=1&gclid=G');
    expect((await drain()).map((r) => r.country)).toEqual(['de']);
  });

  it('ignores a country header the deployment does not trust (locally, only x-viewer-country is)', async () => {
    expect((await admin('/admin/offers/anywhere', { method: 'PUT', body: JSON.stringify({ redirectUrl: 'https://shop.example/', country: 'auto' }) })).status).toBe(201);
    expect((await get('/c/anywhere?gclid=spoofed', { headers: { 'cf-ipcountry': 'DE', 'cloudfront-viewer-country': 'DE' } })).status).toBe(302);
    expect((await drain()).map((r) => [r.params.gclid, r.country, r.clientIp])).toEqual([['spoofed', 'any', '127.0.0.1']]);
    expect((await get('/c/anywhere?gclid=trusted', { headers: { 'x-viewer-country': 'DE' } })).status).toBe(302);
    expect((await drain()).map((r) => [r.params.gclid, r.country, r.clientIp])).toEqual([['trusted', 'de', undefined]]);
  });

  it('a PUT keeps createdAt, what the tracer learned and the counters on the offer item; racing PUTs agree', async () => {
    const put = (id: string, body: Record<string, unknown>) =>
      admin(`/admin/offers/${id}`, { method: 'PUT', body: JSON.stringify({ redirectUrl: 'https://shop.example/', ...body }) });
    const created = await put('kept', { name: 'first' });
    expect(created.status).toBe(201);
    const { createdAt } = (await created.json()) as { createdAt: number };
    await stack.doc.send(
      new UpdateCommand({
        TableName: stack.tables.Catalog,
        Key: offerKey('kept'),
        UpdateExpression: 'SET learnedMode = :m ADD browserResolved :n, clicks :n',
        ExpressionAttributeValues: { ':m': 'browser', ':n': 3 },
      }),
    );
    const replaced = await put('kept', { name: 'second', country: 'fr' });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ name: 'second', country: 'fr', createdAt });
    const { Item } = await stack.doc.send(new GetCommand({ TableName: stack.tables.Catalog, Key: offerKey('kept') }));
    expect(Item).toMatchObject({ name: 'second', createdAt, learnedMode: 'browser', browserResolved: 3, clicks: 3 });

    const raced = await Promise.all(Array.from({ length: 4 }, (_, i) => put('raced', { name: `v${i}` })));
    expect(raced.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    const createdAts = await Promise.all(raced.map(async (r) => ((await r.json()) as { createdAt: number }).createdAt));
    expect(new Set(createdAts).size).toBe(1);
  });

  it("redirects to the offer's URL exactly as written, adding or replacing only the passthrough parameters", async () => {
    const redirectUrl = 'https://shop.example/go?sub={clickid}&q=red%20shoes&gclid={gclid}#top';
    expect((await admin('/admin/offers/macro', { method: 'PUT', body: JSON.stringify({ redirectUrl, country: 'us' }) })).status).toBe(201);
    const res = await get('/c/macro?gclid=G-1&utm_source=google&other=x');
    expect(res.headers.get('location')).toBe('https://shop.example/go?sub={clickid}&q=red%20shoes&gclid=G-1&utm_source=google#top');
    await drain();
  });

  it('reports health', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });
});

describe('trace budget and duplicate click ids, with the pipeline running', () => {
  let piped: LocalStack;
  beforeAll(async () => {
    piped = await startTestStack('e2e-click-budget', {
      schedules: false,
      proxyCount: 3,
      // The trace budget is under test, not the click's time budget: 200 clicks at once on a busy
      // two-core machine may wait more than 1 s for the first offer read of a new isolate.
      env: { LEASE_COOLDOWN_MS: '100', [ENV.clickBudgetMs]: '4000' },
    });
  });
  // Stopping aborts the traces still running: only their admission is under test here.
  afterAll(() => piped?.stop());

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${piped.url}${path}`, { redirect: 'manual', ...init, headers: { 'user-agent': CHROME, authorization: `Bearer ${piped.adminToken}`, ...(init.headers ?? {}) } });

  it('200 browser clicks, 50 of them repeating a click id: all redirect; 10 traced (the offer budget), the rest counted as skipped', async () => {
    const offer = { redirectUrl: `${piped.url}/demo/landing`, trackingUrl: `${piped.url}/demo/aff/click`, country: 'us', tracePolicy: { maxTracesPerMinute: 10 } };
    expect((await call('/admin/offers/budgeted', { method: 'PUT', body: JSON.stringify(offer), headers: { 'content-type': 'application/json' } })).status).toBe(201);
    const started = Date.now();
    // 150 distinct click ids, then 50 of them again, all at once.
    const gclids = Array.from({ length: 200 }, (_, i) => `burst-${i % 150}`);
    const responses = await Promise.all(gclids.map((g) => call(`/c/budgeted?gclid=${g}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(302));
    expect(new Set(responses.map((r) => new URL(r.headers.get('location')!).searchParams.get('gclid'))).size).toBe(150);

    type Listed = { traces: TraceRecord[]; traceSkipped?: { budget: number; duplicate: number } };
    let listed: Listed = { traces: [] };
    const deadline = Date.now() + 60_000;
    for (;;) {
      listed = (await (await call('/admin/traces?offerId=budgeted&limit=500')).json()) as Listed;
      const accounted = listed.traces.length + (listed.traceSkipped?.budget ?? 0) + (listed.traceSkipped?.duplicate ?? 0);
      const { Attributes: q } = await piped.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: piped.queues.queues.TraceRequests,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const queued = Number(q?.ApproximateNumberOfMessages ?? 0) + Number(q?.ApproximateNumberOfMessagesNotVisible ?? 0);
      if ((accounted >= 200 && queued === 0) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const elapsed = Date.now() - started;
    const traced = listed.traces.length;
    // The bucket holds 10 and refills one every 6 s: a slow run may see a refill or two.
    expect(traced).toBeGreaterThanOrEqual(10);
    expect(traced).toBeLessThanOrEqual(10 + Math.ceil(elapsed / 6_000));
    // Every click not traced is counted (a message SQS delivers twice may be counted twice: a hint).
    expect(listed.traceSkipped?.duplicate).toBeGreaterThanOrEqual(50);
    expect(listed.traceSkipped?.budget).toBeGreaterThanOrEqual(150 - traced);
    // Never two traces of one click id.
    expect(new Set(listed.traces.map((t) => t.request.params.gclid)).size).toBe(traced);
  });
});

describe('DynamoDB stalled (a DynamoDB Local of its own, stopped with SIGSTOP)', () => {
  let ddb: DynamoDbLocal;
  let stalled: LocalStack;
  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
    // A short offer cache TTL: the stall finds the cached entry expired, the worst case.
    stalled = await startTestStack('e2e-click-stall', { dynamoEndpoint: ddb.endpoint, pipeline: false, schedules: false, env: { OFFER_CACHE_TTL_MS: '200' } });
  });
  afterAll(async () => {
    await stalled?.stop();
    await ddb?.stop();
  });

  const hit = (path: string) => fetch(`${stalled.url}${path}`, { redirect: 'manual', headers: { 'user-agent': CHROME } });

  it('a click on a cached offer redirects, and an unknown offer answers, within the click budget', async () => {
    expect((await hit(`/c/${stalled.demoOfferId}?gclid=before`)).status).toBe(302);
    ddb.pause();
    try {
      await new Promise((r) => setTimeout(r, 300)); // the cached entry's TTL passes while DynamoDB is stalled
      // A function running past its timeout (5 s) would answer 500; the budget (1 s) answers first.
      const cached = await hit(`/c/${stalled.demoOfferId}?gclid=during`);
      expect(cached.status).toBe(302);
      expect(new URL(cached.headers.get('location')!).pathname).toBe('/demo/landing');
      expect(new URL(cached.headers.get('location')!).searchParams.get('gclid')).toBe('during');
      const unknown = await hit('/c/never-seen?gclid=x');
      expect(unknown.status).toBe(503);
      expect(unknown.headers.get('retry-after')).toBe('5');
    } finally {
      ddb.resume();
    }
    // The trace hand-off went on (SQS was up): the stalled click's request is queued.
    const out = await stalled.sqs.send(new ReceiveMessageCommand({ QueueUrl: stalled.queues.queues.TraceRequests, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect((out.Messages ?? []).map((m) => parseTraceRequest(m.Body!).params.gclid).sort()).toEqual(['before', 'during']);
    expect((await hit('/c/never-seen')).status).toBe(404);
  });
});
