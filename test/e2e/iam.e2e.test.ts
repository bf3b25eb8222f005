/**
 * IAM on the local stack, end to end. With the shipped manifest, every function runs (each route,
 * each schedule, the whole trace path) and no call it makes is denied: the narrowed grants are
 * enough. With one grant removed (from a copy of the manifest; the shipped file is untouched), the
 * click → trace → store path fails where AWS would fail it, with AccessDenied.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../support/test-stack';
import { FUNCTIONS, type FunctionDef } from '../../contracts/manifest/functions';
import { synthesizeTemplates } from '../../local/iam/templates';
import type { TraceRecord } from '../../lambdas/traces/trace-record';
import { startRedirectFixtures, type RedirectFixtures } from '../support/redirect-fixtures';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

const adminOf =
  (stack: LocalStack) =>
  (path: string, init: RequestInit = {}) =>
    fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

/** Clicks an offer (the demo's by default) and waits until its trace is final (or the deadline passes). */
async function clickAndWait(stack: LocalStack, gclid: string, offerId = stack.demoOfferId, timeoutMs = 30_000): Promise<TraceRecord | undefined> {
  const res = await fetch(`${stack.url}/c/${offerId}?gclid=${gclid}`, { redirect: 'manual', headers: { 'user-agent': CHROME } });
  expect(res.status).toBe(302);
  return finalTrace(stack, offerId, gclid, timeoutMs);
}

async function finalTrace(stack: LocalStack, offerId: string, gclid: string, timeoutMs = 30_000): Promise<TraceRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  let trace: TraceRecord | undefined;
  while (Date.now() < deadline) {
    const list = (await (await adminOf(stack)(`/admin/traces?offerId=${offerId}&limit=10`)).json()) as { traces: TraceRecord[] };
    trace = list.traces.find((t) => t.request.params.gclid === gclid);
    if (trace && !['queued', 'running'].includes(trace.status) && trace.leaseReleasedAt) return trace;
    await new Promise((r) => setTimeout(r, 200));
  }
  return trace;
}

/** Polls until the function has been invoked (an SQS event source's batching window, a task's turn). */
async function invoked(stack: LocalStack, functionId: string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (stack.lambda.stats(functionId).invocations === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return stack.lambda.stats(functionId).invocations;
}

describe('the shipped grants', () => {
  let stack: LocalStack;
  let fixtures: RedirectFixtures;
  beforeAll(async () => {
    fixtures = await startRedirectFixtures();
    stack = await startTestStack('e2e-iam', {
      schedules: false,
      proxyCount: 2,
      env: { LEASE_COOLDOWN_MS: '100', LEASE_PATIENCE_MS: '2000' },
      log: (line) => process.env.E2E_DEBUG && console.log(line),
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stepFunctions?.idle();
    await stack?.stop();
    await fixtures?.close();
  }, 120_000);

  test('every function runs — routes, schedules and the trace path — and no call is denied', async () => {
    const admin = adminOf(stack);
    const trace = await clickAndWait(stack, 'iam-1');
    expect(trace).toMatchObject({ status: 'completed' });

    const answers: Record<string, number> = {};
    const call = async (label: string, request: Promise<Response>) => {
      const res = await request;
      await res.arrayBuffer();
      answers[label] = res.status;
    };
    await call('health', fetch(`${stack.url}/health`));
    await call('console', fetch(`${stack.url}/console`));
    expect(answers.console).toBe(200);
    const ids = 'ad_unit_id=0b6e9d2a-1c3f-4e5a-9b7d-2f4e6a8c0d1e&campaign_id=6f1c7e0e-9a2b-4c1d-8e3f-0a1b2c3d4e5f&creative_id=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
    await call('event', fetch(`${stack.url}/event/click?${ids}&page_url=${encodeURIComponent('https://news.example/a')}`, { method: 'POST' }));
    expect(answers.event).toBe(204);
    await call('offer get', admin(`/admin/offers/${stack.demoOfferId}`));
    // The demo offer's traces in byOffer and its skip counts in Ops: every read the role holds.
    await call('offer stats', admin(`/admin/offers/${stack.demoOfferId}/stats`));
    expect(answers['offer stats']).toBe(200);
    await call('offer put', admin('/admin/offers/iam-offer', { method: 'PUT', body: JSON.stringify({ redirectUrl: 'https://shop.example/landing', country: 'us' }) }));
    await call('ips import', admin('/admin/ips', { method: 'POST', body: 'ip,port,country\n203.0.113.7,8080,us\n', headers: { 'content-type': 'text/csv' } }));
    await call('ips list', admin('/admin/ips'));
    // AdminIpTest: a demo proxy leased, the echo fetched through it with the provider's secret, handed back.
    const pool = (await (await admin('/admin/ips?country=us')).json()) as { ips: { ipId: string; host: string }[] };
    const probed = await admin('/admin/ips/test', { method: 'POST', body: JSON.stringify({ ids: [pool.ips.find((ip) => ip.host === '127.0.0.1')!.ipId] }) });
    answers['ips test'] = probed.status;
    expect(((await probed.json()) as { results: { tested: boolean }[] }).results[0]).toMatchObject({ tested: true, ok: true });
    await call('ips reset', admin('/admin/ips/reset-health', { method: 'POST', body: JSON.stringify({ ids: ['nope'] }) }));
    await call('trace get', admin(`/admin/traces/${trace!.traceId}`));
    await call('traces by status', admin('/admin/traces?status=completed'));
    // A completed trace is not requeued, but the conditional write that says so is made.
    await call('traces requeue', admin('/admin/traces/requeue', { method: 'POST', body: JSON.stringify({ traceIds: [trace!.traceId] }) }));
    expect(answers['traces requeue']).toBe(200);
    await call('metrics', admin('/admin/metrics/hourly?campaign_id=6f1c7e0e-9a2b-4c1d-8e3f-0a1b2c3d4e5f'));
    await call('campaign put', admin('/admin/analytics/campaigns/6f1c7e0e-9a2b-4c1d-8e3f-0a1b2c3d4e5f', { method: 'PUT', body: JSON.stringify({ accountId: 'acct-iam' }) }));
    await call('campaign get', admin('/admin/analytics/campaigns/6f1c7e0e-9a2b-4c1d-8e3f-0a1b2c3d4e5f'));
    await call('campaigns', admin('/admin/analytics/campaigns'));
    expect([answers['campaign put'], answers['campaign get'], answers.campaigns, answers.health]).toEqual([200, 200, 200, 200]);
    await call('pool', admin('/admin/pool'));
    await call('status', admin('/admin/status'));
    await call('dlq status', admin('/admin/dlq/redrive'));
    await call('dlq redrive', admin('/admin/dlq/redrive', { method: 'POST', body: '{}' }));
    await call('trackier create', admin('/admin/trackier/offers', { method: 'POST', body: JSON.stringify({ offerId: stack.demoOfferId, pairs: 1, advertiserId: 7 }) }));
    await call('trackier get', admin(`/admin/trackier/offers/${stack.demoOfferId}`));
    await call('trackier stats', admin(`/admin/trackier/offers/${stack.demoOfferId}/stats`));
    await call('trackier csv', admin(`/admin/trackier/offers/${stack.demoOfferId}/pairs.csv`));
    await call('webhook miss', fetch(`${stack.url}/webhooks/trackier?token=nope`));
    for (const def of FUNCTIONS.filter((f) => f.everyMinutes)) await stack.runSchedule(def.id);

    // TraceBrowser: a page that computes its redirect in JavaScript.
    const putJs = admin('/admin/offers/iam-js', {
      method: 'PUT',
      body: JSON.stringify({ redirectUrl: 'https://shop.example/landing', trackingUrl: fixtures.url('/computed-js'), country: 'us' }),
    });
    await call('offer put js', putJs);
    expect(await clickAndWait(stack, 'iam-js', 'iam-js')).toMatchObject({ status: 'completed', mode: 'browser' });
    // RecordFailure: an offer whose country has no IP in the pool; the lease is never acquired.
    await call(
      'offer put no-ip',
      admin('/admin/offers/iam-no-ip', {
        method: 'PUT',
        body: JSON.stringify({ redirectUrl: 'https://shop.example/landing', trackingUrl: fixtures.url('/landing'), country: 'de' }),
      }),
    );
    // It waits in the lease-waiter queue until its patience (2 s here) runs out and the minute
    // sweep (run by the test, schedules being off) ends it with NoIpAvailable.
    expect((await fetch(`${stack.url}/c/iam-no-ip?gclid=iam-no-ip`, { redirect: 'manual', headers: { 'user-agent': CHROME } })).status).toBe(302);
    let failed: TraceRecord | undefined;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && !(failed && failed.status !== 'queued' && failed.status !== 'running');) {
      await new Promise((r) => setTimeout(r, 1000));
      await stack.runSchedule('Maintenance');
      failed = await finalTrace(stack, 'iam-no-ip', 'iam-no-ip', 1);
    }
    expect(failed?.status).toBe('retry_scheduled');
    // UpdateTrackierCampaign: a pair's webhook traces the offer, then updates the pair's URL2.
    expect(answers['trackier create']).toBe(201);
    const pairs = ((await (await admin(`/admin/trackier/offers/${stack.demoOfferId}`)).json()) as { pairs: { webhookToken: string }[] }).pairs;
    await call('webhook hit', fetch(`${stack.url}/webhooks/trackier?token=${pairs[0]!.webhookToken}&gclid=iam-hook`));
    expect(answers['webhook hit']).toBe(200);
    expect(await invoked(stack, 'UpdateTrackierCampaign', 30_000)).toBeGreaterThan(0);
    // EventAggregator: the click event above, once the queue's batching window closes.
    expect(await invoked(stack, 'EventAggregator')).toBeGreaterThan(0);
    await stack.stepFunctions!.idle();

    // No server error anywhere: a denied call would surface as one (or as a swallowed denial below).
    expect(Object.entries(answers).filter(([, status]) => status >= 500)).toEqual([]);
    expect(stack.iam!.denied()).toEqual([]);
    // Every function of the manifest was invoked under enforcement, not just loaded.
    const idle = FUNCTIONS.filter((f) => stack.lambda.stats(f.id).invocations === 0).map((f) => f.id);
    expect(idle).toEqual([]);
    expect(stack.iam!.totals().evaluated).toBeGreaterThan(50);
  }, 180_000);
});

describe('a grant removed from a copy of the manifest', () => {
  // StoreResult without its Traces grant: the function's code and environment are the shipped
  // ones; only the policy IAM evaluates lacks the table.
  const withoutStoreGrant: readonly FunctionDef[] = FUNCTIONS.map((f) =>
    f.id === 'StoreResult' ? { ...f, tables: Object.fromEntries(Object.entries(f.tables ?? {}).filter(([table]) => table !== 'Traces')) } : f,
  );
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack('e2e-iam-denied', {
      schedules: false,
      proxyCount: 1,
      env: { LEASE_COOLDOWN_MS: '100', LEASE_PATIENCE_MS: '2000' },
      iamTemplates: synthesizeTemplates({ functions: withoutStoreGrant }),
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stepFunctions?.idle();
    await stack?.stop();
  });

  test('the click still redirects, but its result is never stored: StoreResult is denied UpdateItem on the Traces table', async () => {
    const res = await fetch(`${stack.url}/c/${stack.demoOfferId}?gclid=iam-denied`, { redirect: 'manual', headers: { 'user-agent': CHROME } });
    expect(res.status).toBe(302);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !stack.iam!.denied().some((d) => d.functionId === 'StoreResult')) await new Promise((r) => setTimeout(r, 200));
    await stack.stepFunctions!.idle();

    const denied = stack.iam!.denied().filter((d) => d.functionId === 'StoreResult');
    expect(denied.length).toBeGreaterThan(0);
    expect(denied[0]).toMatchObject({ action: 'dynamodb:UpdateItem', allowed: false, resource: expect.stringMatching(/:table\/e2e-iam-denied-[0-9a-f]+-Traces$/) });
    // Nothing but StoreResult's calls on that table was refused.
    expect(stack.iam!.denied().filter((d) => d.functionId !== 'StoreResult')).toEqual([]);
    // The execution did not complete the trace: no stored landing page.
    const executions = [...stack.stepFunctions!.executions.values()];
    expect(executions.length).toBeGreaterThan(0);
    for (const execution of executions) {
      const traceId = (execution.input as { traceId?: string }).traceId;
      if (!traceId) continue;
      const stored = await stack.doc.send(new GetCommand({ TableName: stack.tables.Traces, Key: { traceId } }));
      expect(stored.Item?.status).not.toBe('completed');
      expect(stored.Item?.finalUrl).toBeUndefined();
    }
  }, 60_000);
});
