// Pages written to attack the tracer, traced by the real browser tracer through a real
// authenticated forward proxy (the same `proxy` package as the local stack's pool). The test
// allows exactly one address, 127.0.0.1 (the hostile site and the proxy); everything else is
// "our network" — the internal service on 127.0.0.2 must never hear from the browser.
import { startLocalProxies, type LocalProxyPool } from '../../../local/proxies';
import { startHostileFixtures, type HostileFixtures } from '../../support/hostile-fixtures';
import { startTraceWorker, type TraceWorker, type WorkerTraceOptions } from '../../support/trace-worker-client';

const USER = 'lease-user';
const PASSWORD = 'proxy-s3cret-password';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

let fx: HostileFixtures;
let pool: LocalProxyPool;
let worker: TraceWorker;
let proxied: WorkerTraceOptions;
// Pages here navigate on after async work (fetches, timers): the settle window (quiet time that
// ends a trace) must outlast it even on a loaded machine.
const direct: WorkerTraceOptions = { mode: 'browser', allowAddresses: ['127.0.0.1/32'], settleMs: 1_500, hopTimeoutMs: 4_000, deadlineMs: 15_000 };

beforeAll(async () => {
  worker = startTraceWorker();
  fx = await startHostileFixtures();
  pool = await startLocalProxies({ count: 1, username: USER, password: PASSWORD });
  proxied = { ...direct, proxy: { url: pool.proxies[0]!.url, username: USER, password: PASSWORD } };
});
afterAll(async () => {
  await worker.close();
  await pool.stop();
  await fx.close();
});

/** Whatever the site received, the proxy's credentials are not in it, in any form. */
function expectNoCredentialsAtSite(): void {
  const leaked = fx.siteHits.filter((h) => JSON.stringify(h.headers).includes(BASIC) || JSON.stringify(h.headers).includes(PASSWORD));
  expect(leaked).toEqual([]);
  expect(fx.siteHits.filter((h) => h.headers.authorization !== undefined || h.headers['proxy-authorization'] !== undefined)).toEqual([]);
}

describe('the proxy credentials reach the proxy and nothing else', () => {
  test("a site's 401 on a navigation gets no credentials: an offer failure", async () => {
    const [first, second] = await Promise.all([worker.trace(fx.url('/nav-401'), proxied), worker.trace(fx.url('/then-401'), proxied)]);
    for (const r of [first, second]) {
      expect(r).toMatchObject({ outcome: 'error', error: { class: 'offer' } });
      expect(r.hops.at(-1)).toMatchObject({ status: 401, url: fx.url('/nav-401') });
    }
    expectNoCredentialsAtSite();
  });

  test("a site's 401 to the page's fetch() and XHR gets no credentials", async () => {
    const [viaFetch, viaXhr] = await Promise.all([worker.trace(fx.url('/fetch-401'), proxied), worker.trace(fx.url('/xhr-401'), proxied)]);
    expect(viaFetch).toMatchObject({ outcome: 'resolved', params: { status: '401' } });
    expect(viaXhr).toMatchObject({ outcome: 'resolved', params: { status: '401' } });
    expect(fx.siteHits.filter((h) => h.path === '/api-401').length).toBeGreaterThanOrEqual(2);
    expectNoCredentialsAtSite();
  });

  test('the proxy still gets them: a trace through it resolves, and a wrong password is its failure', async () => {
    const before = pool.proxies[0]!.stats();
    const ok = await worker.trace(fx.url('/landing?x=1'), proxied);
    expect(ok).toMatchObject({ outcome: 'resolved', finalUrl: fx.url('/landing?x=1') });
    expect(ok.proxyBytes).toBeGreaterThan(0);
    expect(pool.proxies[0]!.stats().requests).toBeGreaterThan(before.requests);
    const wrong = await worker.trace(fx.url('/landing?x=2'), { ...proxied, proxy: { ...proxied.proxy!, password: 'wrong' } });
    expect(wrong).toMatchObject({ outcome: 'error', error: { class: 'proxy', message: expect.stringMatching(/407/) } });
  });
});

describe("a site's refusals never count against the IP", () => {
  test("a site's 407 over plain http is an offer failure, not the proxy's", async () => {
    const r = await worker.trace(fx.url('/site-407'), proxied);
    expect(r).toMatchObject({ outcome: 'error', error: { class: 'offer', message: expect.stringMatching(/407/) } });
    expectNoCredentialsAtSite();
  });

  test("a site's 403 is an offer failure", async () => {
    const r = await worker.trace(fx.url('/site-403'), proxied);
    expect(r).toMatchObject({ outcome: 'error', error: { class: 'offer' } });
  });
});

describe('every request the browser makes passes the SSRF guard', () => {
  test.each([
    ['through the proxy', () => proxied],
    ['direct', () => direct],
  ])('%s: subresources, fetch, XHR, WebSocket, EventSource, beacon, iframe and worker requests to 127.0.0.2 never arrive', async (_name, options) => {
    const before = fx.internalHits.length;
    // Settling waits out the page's attempts (each bounded at 1 s) before it navigates on.
    const r = await worker.trace(fx.url('/attack'), { ...options(), settleMs: 2_500 });
    // The page ran all its attempts and went on to its landing page: nothing broke the trace.
    expect(r).toMatchObject({ outcome: 'resolved', finalUrl: fx.url('/landing?done=1') });
    expect(fx.siteHits.some((h) => h.path === '/worker.js')).toBe(true);
    expect(fx.internalHits.slice(before)).toEqual([]);
  });

  test('DNS rebinding: a name is resolved once per trace, checked, and every connection goes to that address', async () => {
    const { result, resolverCalls } = await worker.traceDetailed(fx.url(`/rebind?port=${fx.port}`), {
      ...direct,
      dns: { 'rebind.test': ['127.0.0.1', '127.0.0.2'] },
    });
    expect(result).toMatchObject({ outcome: 'resolved', finalUrl: `http://rebind.test:${fx.port}/landing?rebound=1` });
    expect(resolverCalls).toEqual({ 'rebind.test': 1 });
    // Three fetches and the navigation all reached the checked address; none the rebound one.
    const pinned = fx.siteHits.filter((h) => h.headers.host === `rebind.test:${fx.port}`);
    expect(pinned.map((h) => h.path)).toEqual(expect.arrayContaining(['/rebind-fetch', '/landing?rebound=1']));
    expect(pinned.filter((h) => h.path === '/rebind-fetch')).toHaveLength(3);
    expect(fx.internalHits.filter((h) => h.path.startsWith('/rebind') || h.path.startsWith('/landing'))).toEqual([]);
  });

  test('a name that does not resolve is refused when no proxy resolves it', async () => {
    const r = await worker.trace(`http://nowhere.test:${fx.port}/landing`, { ...direct, dns: {} });
    expect(r).toMatchObject({ outcome: 'error', error: { class: 'network', message: expect.stringMatching(/not resolve|ENOTFOUND/) } });
    expect(fx.siteHits.some((h) => h.headers.host === `nowhere.test:${fx.port}`)).toBe(false);
  });

  test('a redirect into our network is blocked on the main frame, through the proxy too', async () => {
    const r = await worker.trace(`http://127.0.0.2:${fx.port}/landing`, proxied);
    expect(r).toMatchObject({ outcome: 'blocked', error: { class: 'offer' } });
    expect(fx.internalHits.filter((h) => h.path === '/landing')).toEqual([]);
  });

  test('WebRTC cannot reach around the proxy: no STUN packet leaves, no candidate is gathered', async () => {
    const before = fx.stunPackets();
    const r = await worker.trace(fx.url(`/webrtc?stun=${fx.port}`), { ...proxied, settleMs: 3_000 });
    expect(r).toMatchObject({ outcome: 'resolved', params: { candidates: '0' } });
    expect(fx.stunPackets() - before).toBe(0);
  });
});
