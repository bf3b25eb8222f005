/**
 * The operator's offer commands against a real local stack (IAM enforced): `offers trace --wait`
 * runs a trace through the real pipeline (queue → starter → state machine → lease → trace through
 * a local proxy → store) and prints its chain; `offers delete` makes the click answer as for an
 * unknown offer once the click's offer cache has let it go.
 */
import type { LocalStack } from '../../local/stack';
import { ENV } from '../../contracts/manifest/env';
import { STACK_START_MS, startTestStack } from '../support/test-stack';
import { e2eClient, tracepoolCli, until } from '../support/e2e-client';
import type { TraceRecord } from '../../lambdas/traces/trace-record';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
let stack: LocalStack;
const { admin } = e2eClient(() => stack);

beforeAll(async () => {
  stack = await startTestStack('e2e-offers', {
    schedules: false,
    proxyCount: 2,
    // A deleted offer stops within the click's offer cache TTL: a short one keeps the test short.
    env: { LEASE_COOLDOWN_MS: '100', [ENV.offerCacheTtlMs]: '1000' },
  });
}, STACK_START_MS);
afterAll(async () => {
  await stack?.stepFunctions?.idle();
  await stack?.stop();
});

const tracepool = tracepoolCli(() => stack);

const click = (offerId: string) => fetch(`${stack.url}/c/${offerId}?gclid=e2e`, { redirect: 'manual', headers: { 'user-agent': CHROME } });

async function putOffer(offerId: string) {
  const res = await admin(`/admin/offers/${offerId}`, {
    method: 'PUT',
    body: JSON.stringify({ redirectUrl: `${stack.url}/demo/landing`, trackingUrl: `${stack.url}/demo/aff/click`, country: 'us' }),
  });
  expect(res.status).toBe(201);
}

test('offers trace --wait: the trace runs through the real pipeline to completion and its chain is printed', async () => {
  await putOffer('traced-now');
  const run = await tracepool('offers', 'trace', 'traced-now', '--wait', '--timeout', '120');
  expect({ status: run.status, err: run.err }).toEqual({ status: 0, err: expect.stringMatching(/queued for offer traced-now/) });
  const traceId = /trace ([0-9a-f-]{36}): completed/.exec(run.out)?.[1];
  expect(traceId).toBeDefined();
  // One line per hop (index, kind, status, time, URL), from the tracking URL to the landing page.
  expect(run.out).toMatch(new RegExp(`^ 0 {2}\\S+\\s+30[1278]\\s+\\d+ ms {2}${stack.url}/demo/aff/click`, 'm'));
  expect(run.out).toMatch(new RegExp(`^landing: ${stack.url}/demo/landing`, 'm'));

  const record = (await (await admin(`/admin/traces/${traceId}`)).json()) as TraceRecord;
  expect(record).toMatchObject({ offerId: 'traced-now', source: 'manual', status: 'completed', country: 'us', device: 'desktop' });
  expect(record.hops!.length).toBeGreaterThan(1);
  expect(run.out).toContain(`landing: ${record.finalUrl}`);
}, 180_000);

test("a deleted offer's click is answered as an unknown offer's; restore brings it back", async () => {
  await putOffer('deleted-e2e');
  expect((await click('deleted-e2e')).status).toBe(302);
  const unknown = await click('never-existed');
  const unknownBody = await unknown.text();

  const deleted = await tracepool('offers', 'delete', 'deleted-e2e', '--json');
  expect(deleted.status).toBe(0);
  expect(JSON.parse(deleted.out)).toMatchObject({ offerId: 'deleted-e2e', deletedAt: expect.any(Number) });

  // Within the click's offer cache TTL (1 s here).
  const answer = await until(
    'the click to drop the deleted offer',
    async () => {
      const res = await click('deleted-e2e');
      return res.status === 302 && res.headers.get('location')?.startsWith(`${stack.url}/demo/landing`) ? undefined : res;
    },
    10_000,
  );
  expect(answer.status).toBe(unknown.status);
  expect(answer.headers.get('location')).toBe(unknown.headers.get('location'));
  expect((await answer.text()).replace('deleted-e2e', 'never-existed')).toBe(unknownBody);

  // Hidden from the list unless asked for.
  const listed = await tracepool('offers', 'list', '--q', 'deleted-e2e', '--json');
  expect(JSON.parse(listed.out)).toMatchObject({ offers: [], count: 0 });
  const withDeleted = await tracepool('offers', 'list', '--q', 'deleted-e2e', '--deleted', '--json');
  expect(JSON.parse(withDeleted.out)).toMatchObject({ offers: [{ offerId: 'deleted-e2e' }], count: 1 });

  expect((await tracepool('offers', 'restore', 'deleted-e2e')).status).toBe(0);
  // "No such offer" is remembered for the cache's negative TTL (5 s).
  await until('the click to redirect again', async () => ((await click('deleted-e2e')).status === 302 ? true : undefined), 15_000);
}, 60_000);

test('a paused offer still redirects, queues no trace, and the trace list says why there is none', async () => {
  await putOffer('paused-e2e');
  expect((await tracepool('offers', 'pause', 'paused-e2e')).status).toBe(0);
  // Paused once the click's offer cache (1 s here) has the new version.
  const listed = await until(
    'a paused click to be counted',
    async () => {
      const res = await click('paused-e2e');
      expect(res.status).toBe(302);
      const body = (await (await admin('/admin/traces?offerId=paused-e2e')).json()) as { traces: TraceRecord[]; traceSkipped?: { paused: number }; hint?: string };
      return body.traceSkipped?.paused ? body : undefined;
    },
    15_000,
  );
  // Only the clicks made before the pause reached the cache may have been traced.
  expect(listed.traceSkipped!.paused).toBeGreaterThanOrEqual(1);
  expect(listed.hint).toMatch(/paused/i);
}, 60_000);
