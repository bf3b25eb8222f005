/**
 * The local stack run from what deploys (`npm start -- --from-synth`): the bundles `cdk synth`
 * staged in cdk.out (synthesized first when missing or stale), each loaded by its template's
 * handler setting in its own isolate, with the template's Environment.Variables — only the
 * references to tables, queues, secrets and the state machine swapped for the local ones — and
 * the template's routes, event sources and state machine. A click goes the whole way: 302, SQS,
 * the starter, Step Functions, lease, trace through a local proxy, store, release.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LocalStack } from '../../local/stack';
import { startTestStack } from '../support/test-stack';
import { FUNCTIONS } from '../../contracts/manifest/functions';
import { nodeOptions } from '../../contracts/manifest/bundling';
import { queueUrlEnv, tableEnv } from '../../contracts/manifest/env';
import type { TableId } from '../../contracts/manifest/tables';
import type { QueueId } from '../../contracts/manifest/queues';
import { manifestEnvironment, queueUrlsAt } from '../../local/function-env';
import { DEFAULT_CDK_OUT } from '../../local/cdk-out';
import type { TraceRecord } from '../../lambdas/traces/trace-record';
import { startRedirectFixtures, type RedirectFixtures } from '../support/redirect-fixtures';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
let stack: LocalStack;
let fixtures: RedirectFixtures;

beforeAll(async () => {
  fixtures = await startRedirectFixtures();
  stack = await startTestStack('e2e-synth', {
    fromSynth: true,
    // IAM enforced too: each bundle may call AWS only as its synthesized role allows.
    enforceIam: true,
    schedules: false,
    proxyCount: 2,
    env: { LEASE_COOLDOWN_MS: '100' },
    log: (line) => process.env.E2E_DEBUG && console.log(line),
  });
}, 240_000); // a first `cdk synth` bundles every function (~1–2 min on two busy cores)
afterAll(async () => {
  await stack?.stepFunctions?.idle();
  await stack?.stop();
  await fixtures?.close();
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

/** The click's trace once it is final and its lease released. */
async function tracedClick(offerId: string, gclid: string): Promise<TraceRecord | undefined> {
  const res = await fetch(`${stack.url}/c/${offerId}?gclid=${gclid}`, { redirect: 'manual', headers: { 'user-agent': CHROME } });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toContain(`gclid=${gclid}`);
  const deadline = Date.now() + 45_000;
  let trace: TraceRecord | undefined;
  while (Date.now() < deadline) {
    const list = await admin(`/admin/traces?offerId=${offerId}&limit=5`);
    trace = ((await list.json()) as { traces: TraceRecord[] }).traces.find((t) => t.request.params.gclid === gclid);
    if (trace && !['queued', 'running'].includes(trace.status) && trace.leaseReleasedAt) return trace;
    await new Promise((r) => setTimeout(r, 200));
  }
  return trace;
}

test('every function runs its synthesized bundle with the template environment, local stand-ins only', () => {
  expect(stack.mode).toBe('synth');
  for (const def of FUNCTIONS) {
    const spec = stack.lambda.spec(def.id);
    expect(spec.code).toMatchObject({ kind: 'bundle', exportName: 'handler' });
    expect(path.relative(DEFAULT_CDK_OUT, spec.code.file)).toMatch(/^asset\.[0-9a-f]{64}\/index\.mjs$/);
    expect(spec.timeoutMs).toBe((def.timeoutSeconds ?? 10) * 1000);
    expect(spec.memoryMb).toBe(def.memoryMb ?? 256);
    expect(spec.execArgv.join(' ')).toBe(nodeOptions(def));
    for (const id of Object.keys(def.tables ?? {}) as TableId[]) expect(spec.env[tableEnv(id)]).toBe(stack.tables[id]);
    // The queue's URL on the IAM gateway: the SDK sends an SQS call to its QueueUrl's host.
    for (const [id, access] of Object.entries(def.queues ?? {}) as [QueueId, string][]) {
      if (access !== 'monitorDlq') expect(spec.env[queueUrlEnv(id)]).toBe(queueUrlsAt(stack.queues, stack.iam!.endpoints.sqs).queues[id]);
    }
    // From sources a function is given no variable its deployed twin lacks.
    const fromSources = Object.keys(
      manifestEnvironment(def, { tables: stack.tables, queues: stack.queues, stateMachineArn: '', trackierSecretId: '', proxyProviders: [], providerSecretPrefix: '' }),
    );
    expect(fromSources.filter((name) => !(name in spec.env))).toEqual([]);
    // The template's routes are the manifest's.
    const served = stack.functions.find((f) => f.id === def.id)!;
    expect(new Set((served.routes ?? []).map((r) => `${r.method} ${r.path} ${r.auth}`))).toEqual(new Set((def.routes ?? []).map((r) => `${r.method} ${r.path} ${r.auth}`)));
  }
  // Literals pass through untouched (the deployed secret names), paths inside /var/task map to the asset.
  expect(stack.lambda.spec('TraceHttp').env.PROVIDER_SECRET_PREFIX).toMatch(/^tracepool\/[\w-]+\/proxy\/$/);
  const browser = stack.lambda.spec('TraceBrowser');
  expect(browser.env.CHROMIUM_BIN_DIR).toBe(path.join(path.dirname(browser.code.file), 'chromium-bin'));
  expect(existsSync(browser.env.CHROMIUM_BIN_DIR!)).toBe(true);
});

test("the console is served from the files the synth built next to the Console function's bundle", async () => {
  const dir = stack.lambda.spec('Console').env.CONSOLE_ASSETS_DIR!;
  expect(dir).toBe(path.join(path.dirname(stack.lambda.spec('Console').code.file), 'console'));
  expect(existsSync(path.join(dir, 'main.js'))).toBe(true);
  const page = await fetch(`${stack.url}/console`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self'/);
  const script = /src="(\/console\/main\.js\?v=[\w-]+)"/.exec(await page.text())![1]!;
  const js = await fetch(`${stack.url}${script}`);
  expect([js.status, js.headers.get('content-type'), js.headers.get('cache-control')]).toEqual([
    200,
    'text/javascript; charset=utf-8',
    'public, max-age=31536000, immutable',
  ]);
  expect((await js.text()).length).toBeGreaterThan(10_000);
});

test('a click is traced through the deployed bundles: 302 at once, the trace stored, the lease released', async () => {
  const trace = await tracedClick(stack.demoOfferId, 'synth-1');
  expect(trace).toMatchObject({ status: 'completed', params: { aff_sub: 'demo-sub', clickref: 'cr-1234' } });
  expect(trace!.finalUrl).toMatch(/\/demo\/landing\?gclid=synth-1&aff_sub=demo-sub&clickref=cr-1234$/);
  expect(trace!.leaseReleasedAt).toBeGreaterThanOrEqual(trace!.leaseAcquiredAt!);
  expect(stack.proxies!.proxies.reduce((n, p) => n + p.stats().requests, 0)).toBeGreaterThan(0);
  await stack.stepFunctions!.idle(); // the release is stored a moment before the execution's last states
  expect([...stack.stepFunctions!.executions.values()].map((e) => e.status)).toEqual(['SUCCEEDED']);
}, 60_000);

test("the IP probe's bundle reaches the local echo through a demo proxy, with the template's secret names", async () => {
  const { ips } = (await (await admin('/admin/ips')).json()) as { ips: { ipId: string; state: string }[] };
  const free = ips.find((ip) => ip.state === 'available')!;
  const res = await admin('/admin/ips/test', { method: 'POST', body: JSON.stringify({ ids: [free.ipId] }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { echoUrl: string; results: unknown[] };
  // The template names ipinfo.io; the local stack points the probe at its own echo.
  expect(body.echoUrl).toBe(`${stack.url}/demo/echo`);
  expect(body.results).toEqual([expect.objectContaining({ ipId: free.ipId, tested: true, ok: true, exitCountry: 'us', countryMatches: true })]);
}, 60_000);

test("the template's schedules run their bundles: maintenance and the health check (which publishes to the local EventBridge)", async () => {
  expect(
    stack.functions
      .filter((f) => f.everyMinutes)
      .map((f) => f.id)
      .sort(),
  ).toEqual(
    FUNCTIONS.filter((f) => f.everyMinutes)
      .map((f) => f.id)
      .sort(),
  );
  await expect(stack.runSchedule('Maintenance')).resolves.toMatchObject({ expiredLeases: expect.any(Number) });
  await expect(stack.runSchedule('HealthCheck')).resolves.toBeDefined();
}, 60_000);

test("a page that needs JavaScript is traced by TraceBrowser's bundle with the Chromium shipped in its asset", async () => {
  const put = await admin('/admin/offers/needs-js', {
    method: 'PUT',
    body: JSON.stringify({ redirectUrl: 'https://shop.example/landing', trackingUrl: fixtures.url('/computed-js'), country: 'us' }),
  });
  expect(put.status).toBeLessThan(300);
  const trace = await tracedClick('needs-js', 'synth-js');
  expect(trace).toMatchObject({ status: 'completed', mode: 'browser' });
  expect(trace!.finalUrl).toMatch(/\/landing\?js=computed&gclid=synth-js$/);
}, 60_000);

test('IAM was enforced on every call the bundles made, and none of them was denied', () => {
  const totals = stack.iam!.totals();
  expect(totals.evaluated).toBeGreaterThan(20);
  expect(stack.iam!.denied()).toEqual([]);
  expect(totals.denied).toBe(0);
});
