/**
 * The click path end to end on the local stack: HTTP router → click handler → DynamoDB Local
 * offer → local SQS message.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../support/test-stack';
import { parseTraceRequest } from '../../lambdas/trace-requests/trace-request';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack('e2e-click', {
    pipeline: false,
    schedules: false,
  });
});
afterAll(() => stack?.stop());

const get = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, { redirect: 'manual', ...init, headers: { 'user-agent': CHROME, ...(init.headers ?? {}) } });
const admin = (path: string, init: RequestInit = {}) =>
  get(path, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

async function drain(): Promise<ReturnType<typeof parseTraceRequest>[]> {
  const out = await stack.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: stack.queues.queues.TraceRequests, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
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

  it('reports health', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });
});
