/**
 * Trackier pairs end to end on the local stack: campaigns created on the (fake) Trackier API,
 * a webhook routed to its pair by token, the trace run through the pipeline, and only that pair's
 * URL2 campaign updated with the traced parameters.
 */
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../support/test-stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('e2e-trackier', {
    schedules: false,
    env: { LEASE_COOLDOWN_MS: '100' },
  });
});
afterAll(async () => {
  await stack?.stepFunctions?.idle();
  await stack?.stop();
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

interface Pair {
  pairNumber: number;
  webhookToken: string;
  url1CampaignId: string;
  url2CampaignId: string;
  webhook_count: number;
  update_count: number;
  sub_id_values?: Record<string, string>;
}

test('a webhook for pair 2 traces the offer and updates only pair 2 URL2', async () => {
  // The demo offer's chain adds aff_sub / clickref: the values the pair's sub ids are mapped from.
  const created = await admin('/admin/trackier/offers', { method: 'POST', body: JSON.stringify({ offerId: 'demo', pairs: 2, advertiserId: 7 }) });
  expect(created.status).toBe(201);
  const offer = (await (await admin('/admin/trackier/offers/demo')).json()) as { pairs: Pair[] };
  expect(offer.pairs).toHaveLength(2);
  expect(stack.fakeTrackier!.creations().filter((c) => c.status === 200)).toHaveLength(4);
  const [pair1, pair2] = offer.pairs as [Pair, Pair];
  expect(pair1.webhookToken).not.toBe(pair2.webhookToken);

  const hook = await fetch(`${stack.url}/webhooks/trackier?token=${pair2.webhookToken}&gclid=G-XYZ`);
  expect(hook.status).toBeLessThan(300);

  const deadline = Date.now() + 30_000;
  let after: Pair[] = [];
  while (Date.now() < deadline) {
    after = ((await (await admin('/admin/trackier/offers/demo')).json()) as { pairs: Pair[] }).pairs;
    if (after[1]!.update_count === 1) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(after[1]).toMatchObject({ webhook_count: 1, update_count: 1 });
  expect(after[0]).toMatchObject({ webhook_count: 0, update_count: 0 });
  expect(Object.values(after[1]!.sub_id_values ?? {})).toEqual(expect.arrayContaining(['G-XYZ']));
  expect(stack.fakeTrackier!.updates(pair2.url2CampaignId)).toHaveLength(1);
  expect(stack.fakeTrackier!.updates(pair1.url2CampaignId)).toHaveLength(0);

  const stats = await (await admin('/admin/trackier/offers/demo/stats')).json();
  expect(stats).toMatchObject({ total_pairs: 2, total_webhook_count: 1, total_update_count: 1, latest_webhook: { pairNumber: 2 } });
  const csv = await (await admin('/admin/trackier/offers/demo/pairs.csv')).text();
  expect(csv.trim().split('\n')).toHaveLength(3);
});

test('unknown tokens get a bare 404 and change nothing', async () => {
  const res = await fetch(`${stack.url}/webhooks/trackier?token=nope&campaign_id=123`);
  expect(res.status).toBe(404);
  expect(await res.text()).not.toMatch(/token|pair|offer/i);
});
