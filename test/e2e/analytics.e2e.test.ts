/** Analytics on the local stack: pixels and POSTs answered 204, aggregated hourly, queried back. */
import { randomUUID } from 'node:crypto';
import type { LocalStack } from '../../local/stack';
import { STACK_START_MS, startTestStack } from '../support/test-stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('e2e-events', {
    pipeline: false,
    schedules: false,
    demo: false,
  });
}, STACK_START_MS);
afterAll(() => stack?.stop());

const campaign = randomUUID();
const adUnit = randomUUID();
const creative = randomUUID();
const qs = (extra = '') => `ad_unit_id=${adUnit}&campaign_id=${campaign}&creative_id=${creative}&page_url=${encodeURIComponent('https://news.example/a')}${extra}`;

test('events are answered 204 at once and counted exactly per hour', async () => {
  const sent = await Promise.all([
    ...Array.from({ length: 7 }, () => fetch(`${stack.url}/event/impression?${qs()}`)),
    ...Array.from({ length: 2 }, () => fetch(`${stack.url}/event/click?${qs()}`, { method: 'POST' })),
    fetch(`${stack.url}/event/click`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: qs() }),
  ]);
  expect(sent.map((r) => r.status)).toEqual(Array(10).fill(204));

  const deadline = Date.now() + 30_000;
  let body: { totals?: { impressions: number; clicks: number } } = {};
  while (Date.now() < deadline) {
    const res = await fetch(`${stack.url}/admin/metrics/hourly?campaign_id=${campaign}`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    body = await res.json();
    if (body.totals?.impressions === 7 && body.totals.clicks === 3) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(body.totals).toMatchObject({ impressions: 7, clicks: 3 });
});

test('invalid events: 204 for pixels, 400 with the reason in strict mode; CORS for browsers', async () => {
  const pixel = await fetch(`${stack.url}/event/impression?campaign_id=not-a-uuid`);
  expect(pixel.status).toBe(204);
  const strict = await fetch(`${stack.url}/event/impression?campaign_id=not-a-uuid&strict=1`);
  expect(strict.status).toBe(400);
  expect(await strict.json()).toMatchObject({ error: 'invalid_event', reason: expect.any(String) });
  const cors = await fetch(`${stack.url}/event/click?${qs()}`, { method: 'POST', headers: { origin: 'https://news.example' } });
  expect(cors.headers.get('access-control-allow-origin')).toBe('*');
  const unknownType = await fetch(`${stack.url}/event/conversion?${qs('&strict=1')}`);
  expect(unknownType.status).toBe(400);
});

test('the metrics query validates its input', async () => {
  const res = await fetch(`${stack.url}/admin/metrics/hourly?campaign_id=x`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
  expect(res.status).toBe(400);
});

test('a mapped campaign: click revenue summed into the hourly row under its account, with every request counted', async () => {
  const mapped = randomUUID();
  const unit = randomUUID();
  const admin = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
  const put = await fetch(`${stack.url}/admin/analytics/campaigns/${mapped}`, { method: 'PUT', headers: admin, body: JSON.stringify({ accountId: 'acct-e2e' }) });
  expect(put.status).toBe(200);
  const got = await fetch(`${stack.url}/admin/analytics/campaigns/${mapped}`, { headers: admin });
  expect(await got.json()).toMatchObject({ campaign_id: mapped, account_id: 'acct-e2e' });
  const list = await fetch(`${stack.url}/admin/analytics/campaigns?limit=500`, { headers: admin });
  expect(((await list.json()) as { items: { campaign_id: string }[] }).items.map((i) => i.campaign_id)).toContain(mapped);

  const q = (extra: string) => `ad_unit_id=${unit}&campaign_id=${mapped}&creative_id=${creative}&page_url=${encodeURIComponent('https://news.example/b')}${extra}`;
  const sent = await Promise.all([
    fetch(`${stack.url}/event/click?${q('&revenue_cents=250')}`),
    fetch(`${stack.url}/event/click?${q('&revenue_cents=1000')}`, { method: 'POST' }),
    fetch(`${stack.url}/event/click?${q('&revenue_cents=-7')}`), // dropped revenue, kept click
    fetch(`${stack.url}/event/impression?${q('')}`),
    fetch(`${stack.url}/event/impression?${q('')}`),
  ]);
  expect(sent.map((r) => r.status)).toEqual(Array(5).fill(204));

  type Body = {
    hours: { ad_unit_id: string; requests: number; clicks: number; revenue_cents: number; accounts: string[] }[];
    totals: { requests: number; revenue_cents: number };
  };
  const deadline = Date.now() + 30_000;
  let body: Body | undefined;
  while (Date.now() < deadline) {
    const res = await fetch(`${stack.url}/admin/metrics/hourly?campaign_id=${mapped}`, { headers: admin });
    body = (await res.json()) as Body;
    if (body.totals?.requests === 5) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(body?.hours).toEqual([expect.objectContaining({ ad_unit_id: unit, requests: 5, clicks: 3, revenue_cents: 1250, accounts: ['acct-e2e'] })]);
  expect(body?.totals).toMatchObject({ requests: 5, revenue_cents: 1250 });
});
