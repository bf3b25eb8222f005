/**
 * The operator's requeue on the local stack (IAM enforced): a trace whose offer answers 500 uses up
 * its retries and is dead-lettered; once the offer answers, a requeue through the admin API puts it
 * back, the retry schedule sends it, and it completes in a new execution. A second requeue of the
 * same trace is skipped.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalStack } from '../../local/stack';
import { STACK_START_MS, startTestStack } from '../support/test-stack';
import { e2eClient, until } from '../support/e2e-client';
import type { TraceRecord } from '../../lambdas/traces/trace-record';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
let stack: LocalStack;
let offer: Server;
/** The offer's tracking URL answers 500 until this is set. */
let answering = false;
const { admin, tracesOf } = e2eClient(() => stack);

beforeAll(async () => {
  offer = createServer((req, res) => {
    if (!answering) return void res.writeHead(500, { 'content-type': 'text/plain' }).end('down');
    // A landing page with content enough that HTTP mode takes it as the end of the chain.
    const text = '<p>This is a real landing page with plenty of readable content for visitors. </p>'.repeat(8);
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><html><head><title>Shop</title></head><body><h1>Welcome</h1>${text}</body></html>`);
  });
  await new Promise<void>((resolve) => offer.listen(0, '127.0.0.1', resolve));
  stack = await startTestStack('e2e-requeue', {
    log: (line) => process.env.E2E_DEBUG && console.log(line),
    proxyCount: 2,
    schedules: false,
    env: { LEASE_COOLDOWN_MS: '100', LEASE_MS: '20000', RETRY_BACKOFF_MS: '100,100,100,100,100', TRACE_HTTP_DEADLINE_MS: '2500' },
  });
}, STACK_START_MS);
afterAll(async () => {
  await stack?.stepFunctions?.idle();
  await stack?.stop();
  await new Promise((resolve) => offer?.close(resolve));
});

const requeue = async (body: unknown) => {
  const res = await admin('/admin/traces/requeue', { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** Drives the retry schedule (off in this stack) until the offer's one trace is in `status`. */
async function driveUntil(offerId: string, status: TraceRecord['status'], timeoutMs = 150_000): Promise<TraceRecord> {
  return until(
    `the trace of ${offerId} ${status}`,
    async () => {
      const [t] = await tracesOf(offerId);
      if (t?.status === status) return t;
      if (t && ['retry_scheduled', 'timeout'].includes(t.status)) await stack.runSchedule('RetrySchedule');
      return undefined;
    },
    timeoutMs,
  );
}

test('a dead-lettered trace requeued through the API completes once the offer answers; a second requeue is skipped', async () => {
  const url = `http://127.0.0.1:${(offer.address() as AddressInfo).port}/offer`;
  const put = await admin('/admin/offers/flaky', { method: 'PUT', body: JSON.stringify({ redirectUrl: 'https://shop.example/landing', trackingUrl: url, country: 'us' }) });
  expect(put.status).toBeLessThan(300);
  expect((await fetch(`${stack.url}/c/flaky?gclid=rq1`, { redirect: 'manual', headers: { 'user-agent': CHROME } })).status).toBe(302);

  const dead = await driveUntil('flaky', 'dead_lettered');
  expect(dead).toMatchObject({ attempts: 6, error: { class: 'offer' } });

  answering = true;
  const first = await requeue({ traceIds: [dead.traceId] });
  expect(first).toEqual({ status: 200, body: { processed: 1, requeued: 1, skipped: 0, failed: 0 } });
  // Requeued, not yet sent: the retry schedule does that. A second requeue finds it so and skips it.
  expect(await requeue({ traceIds: [dead.traceId] })).toEqual({ status: 200, body: { processed: 1, requeued: 0, skipped: 1, failed: 0 } });
  expect((await tracesOf('flaky'))[0]).toMatchObject({ status: 'retry_scheduled', attempts: 6, requeues: 1 });

  const done = await driveUntil('flaky', 'completed', 60_000);
  // A new attempt, so a new execution name: a reset count would have reused one Step Functions refuses.
  expect(done).toMatchObject({ attempts: 7, executionName: `${dead.traceId}-a7`, requeues: 1, outcome: 'resolved' });
  expect(done.finalUrl?.startsWith(url)).toBe(true);
  expect(done.error).toBeUndefined();
  expect([...stack.stepFunctions!.executions.keys()].filter((n) => n.startsWith(dead.traceId))).toHaveLength(7);

  // Completed is final: neither form requeues it again.
  expect((await requeue({ traceIds: [dead.traceId] })).body).toEqual({ processed: 1, requeued: 0, skipped: 1, failed: 0 });
  expect((await requeue({ offerId: 'flaky', status: 'dead_lettered' })).body).toEqual({ processed: 0, requeued: 0, skipped: 0, failed: 0 });
  // The requeue's write was allowed by AdminTraces' policy, and it needed nothing more.
  expect(stack.iam!.denied()).toEqual([]);
}, 240_000);
