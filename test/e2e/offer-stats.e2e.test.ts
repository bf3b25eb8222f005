/**
 * `tracepool offers stats` against a real local stack (IAM enforced, so the AdminOfferStats role's
 * reads are checked too): clicks on an offer are traced through the real pipeline, and the
 * statistics show them, and a crawler's click as a bot skip, in their hour.
 */
import type { LocalStack } from '../../local/stack';
import { STACK_START_MS, startTestStack } from '../support/test-stack';
import { e2eClient, tracepoolCli, until } from '../support/e2e-client';
import type { OfferStatsView } from '../../bin/commands/offer-stats';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
const OFFER = 'stats-e2e';
const CLICKS = 3;
let stack: LocalStack;
const { admin, tracesOf } = e2eClient(() => stack);

beforeAll(async () => {
  stack = await startTestStack('e2e-offer-stats', { schedules: false, proxyCount: 2, env: { LEASE_COOLDOWN_MS: '100' } });
}, STACK_START_MS);
afterAll(async () => {
  await stack?.stepFunctions?.idle();
  await stack?.stop();
});

const tracepool = tracepoolCli(() => stack, 60_000);

test('offers stats shows the traced clicks and a bot skip in their hour', async () => {
  const put = await admin(`/admin/offers/${OFFER}`, {
    method: 'PUT',
    body: JSON.stringify({ redirectUrl: `${stack.url}/demo/landing`, trackingUrl: `${stack.url}/demo/aff/click`, country: 'us' }),
  });
  expect(put.status).toBe(201);
  // Distinct click ids: a repeated one would be a duplicate skip, not a trace.
  for (let i = 0; i < CLICKS; i++) {
    const res = await fetch(`${stack.url}/c/${OFFER}?gclid=e2e-stats-${i}`, { redirect: 'manual', headers: { 'user-agent': CHROME } });
    expect(res.status).toBe(302);
  }
  const bot = await fetch(`${stack.url}/c/${OFFER}`, { redirect: 'manual', headers: { 'user-agent': 'facebookexternalhit/1.1' } });
  expect(bot.status).toBe(302);

  const traces = await until(
    'the clicks traced',
    async () => {
      const list = await tracesOf(OFFER);
      return list.length === CLICKS && list.every((t) => t.status === 'completed') ? list : undefined;
    },
    150_000,
  );
  // The click's hour (the current one, unless the clicks straddled the turn of an hour).
  const hours = [...new Set(traces.map((t) => new Date(t.createdAt).toISOString().slice(0, 13)))];

  // The bot count is written by the click a few seconds after the response.
  const stats = await until(
    'the bot skip counted',
    async () => {
      const run = await tracepool('offers', 'stats', OFFER, '--json');
      expect(run.status).toBe(0);
      const s = JSON.parse(run.out) as OfferStatsView;
      return s.totals.skipped.bot === 1 ? s : undefined;
    },
    30_000,
  );
  expect(stats.totals).toMatchObject({ clicks: CLICKS + 1, traced: CLICKS, completed: CLICKS, failed: 0, pending: 0 });
  expect(stats.totals.p50TraceMs).toEqual(expect.any(Number));
  expect(stats.totals.p95TraceMs).toBeGreaterThanOrEqual(stats.totals.p50TraceMs!);
  const inHours = stats.hours.filter((h) => hours.includes(h.hour));
  expect(inHours.reduce((n, h) => n + h.completed, 0)).toBe(CLICKS);
  expect(stats.hours.at(-1)!.hour).toBe(new Date().toISOString().slice(0, 13));

  // The table: the clicks' hour and the totals line.
  const text = await tracepool('offers', 'stats', OFFER);
  expect(text.status).toBe(0);
  const label = `${hours.at(-1)!.slice(0, 10)} ${hours.at(-1)!.slice(11)}:00`;
  expect(text.out).toMatch(new RegExp(`^${label}\\s+\\d+\\s+\\d+`, 'm'));
  expect(text.out).toContain(`total: ${CLICKS + 1} clicks, ${CLICKS} traced, ${CLICKS} completed, 0 failed`);

  const unknown = await tracepool('offers', 'stats', 'no-such-offer');
  expect(unknown.status).toBe(1);
  expect(unknown.err).toMatch(/not found/);
}, 240_000);
