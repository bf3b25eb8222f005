/**
 * The resolution history on a real local stack (IAM enforced): two traces of an offer through the
 * real pipeline, its landing changed in between (the demo chain passes the tracking URL's
 * parameters to the landing page), then `offers history` shows two entries with the changed value
 * and `offers resolution` the newest landing.
 */
import type { LocalStack } from '../../local/stack';
import { ENV } from '../../contracts/manifest/env';
import { STACK_START_MS, startTestStack } from '../support/test-stack';
import { e2eClient, tracepoolCli } from '../support/e2e-client';

let stack: LocalStack;
const { admin } = e2eClient(() => stack);

beforeAll(async () => {
  // The pipeline caches offers: a short TTL lets the second trace see the edited tracking URL.
  stack = await startTestStack('e2e-offer-history', { schedules: false, proxyCount: 2, env: { LEASE_COOLDOWN_MS: '100', [ENV.offerCacheTtlMs]: '300' } });
}, STACK_START_MS);
afterAll(async () => {
  await stack?.stepFunctions?.idle();
  await stack?.stop();
});

const tracepool = tracepoolCli(() => stack);

async function putOffer(offerId: string, promo: string) {
  const res = await admin(`/admin/offers/${offerId}`, {
    method: 'PUT',
    body: JSON.stringify({ redirectUrl: `${stack.url}/demo/landing`, trackingUrl: `${stack.url}/demo/aff/click?promo=${promo}`, country: 'us' }),
  });
  expect(res.status).toBeLessThan(300);
}

test('two traces whose landing changed in between: offers history shows two entries, the newest with the changed value', async () => {
  await putOffer('history-e2e', 'spring');
  expect((await tracepool('offers', 'trace', 'history-e2e', '--wait', '--timeout', '120')).status).toBe(0);
  await putOffer('history-e2e', 'summer');
  await new Promise((r) => setTimeout(r, 1000)); // past the offer cache's TTL
  expect((await tracepool('offers', 'trace', 'history-e2e', '--wait', '--timeout', '120')).status).toBe(0);

  const json = await tracepool('offers', 'history', 'history-e2e', '--json');
  expect(json.status).toBe(0);
  const history = JSON.parse(json.out) as { entries: { landing: string; count: number; changed: Record<string, unknown> }[] };
  expect(history.entries).toHaveLength(2);
  expect(history.entries[0]!.landing).toContain('promo=summer');
  expect(history.entries[0]!.changed).toEqual({ promo: { from: 'spring', to: 'summer' } });
  expect(history.entries[1]!.landing).toContain('promo=spring');

  const table = await tracepool('offers', 'history', 'history-e2e');
  expect(table.out.trimEnd().split('\n')).toHaveLength(3); // header + two entries
  expect(table.out).toContain('promo: spring→summer');

  const resolution = await tracepool('offers', 'resolution', 'history-e2e', '--json');
  expect(JSON.parse(resolution.out)).toMatchObject({ offerId: 'history-e2e', resolution: { source: 'traces', params: { promo: 'summer' } } });
}, 300_000);
