// HTTP mode against the local fixture corpus, directly and through an authenticated local proxy.
import { traceHttp, trace } from '../../../lambdas/tracer/index';
import { startLocalProxies, type LocalProxyPool } from '../../../local/proxies';
import { startRedirectFixtures, type RedirectFixtures } from '../../support/redirect-fixtures';

let fx: RedirectFixtures;
let pool: LocalProxyPool;
const local = { allowPrivate: true } as const;

beforeAll(async () => {
  fx = await startRedirectFixtures({ https: true });
  pool = await startLocalProxies({ count: 2, username: 'lease', password: 's3cret' });
});
afterAll(async () => {
  await pool.stop();
  await fx.close();
});

const http = async (path: string, options: Parameters<typeof traceHttp>[1] = local) => (await traceHttp(fx.url(path), options)).result;
const path = (url: string): string => url.replace(fx.origin, '');

describe('redirect kinds', () => {
  test.each([301, 302, 303, 307, 308])('%i is followed', async (code) => {
    const r = await http(`/status/${code}`);
    expect(r.outcome).toBe('resolved');
    expect(path(r.finalUrl)).toBe(`/landing?via=${code}`);
    expect(r.hops.map((h) => [h.kind, h.status])).toEqual([
      ['start', code],
      ['http', 200],
    ]);
    expect(r.params).toEqual({ via: String(code) });
  });

  test('303 turns a POST into a GET; 307 and 308 keep the method and body', async () => {
    for (const [code, method] of [
      [303, 'GET'],
      [307, 'POST'],
      [308, 'POST'],
      [302, 'GET'],
    ] as const) {
      const before = fx.hits('/echo-method').length;
      const r = await http(`/status/${code}?to=/echo-method`, { ...local, startRequest: { method: 'POST', body: 'a=1', contentType: 'application/x-www-form-urlencoded' } });
      expect(r.outcome).toBe('resolved');
      const hit = fx.hits('/echo-method')[before]!;
      expect(hit.method).toBe(method);
      expect(hit.body).toBe(method === 'POST' ? 'a=1' : '');
    }
  });

  test('relative and protocol-relative Locations', async () => {
    expect(path((await http('/relative')).finalUrl)).toBe('/landing?rel=1');
    expect(path((await http('/protocol-relative')).finalUrl)).toBe('/landing?pr=1');
  });

  test('Refresh header', async () => {
    const r = await http('/refresh-header');
    expect(path(r.finalUrl)).toBe('/landing?via=refresh-header');
    expect(r.hops[1]!.kind).toBe('refresh-header');
  });

  test.each(['basic', 'single-quoted', 'double-in-single', 'upper', 'spaces', 'delay', 'no-url-prefix', 'unquoted', 'dot-delay', 'commented'])(
    'meta refresh: %s',
    async (variant) => {
      const r = await http(`/meta/${variant}`);
      expect(r.outcome).toBe('resolved');
      expect(path(r.finalUrl)).toBe(`/landing?meta=${variant}`);
      expect(r.hops[1]!.kind).toBe('meta-refresh');
    },
  );

  test('a refresh inside <noscript> is ignored, as by a browser with scripting on', async () => {
    const run = await traceHttp(fx.url('/meta/noscript'), local);
    expect(run.result).toMatchObject({ outcome: 'resolved', finalUrl: fx.url('/meta/noscript') });
    expect(run.needsBrowser).toBeUndefined();
  });

  test('meta refresh with entities and <base>', async () => {
    expect(path((await http('/meta/entity')).finalUrl)).toBe('/landing?meta=entity&b=2');
    expect(path((await http('/meta/base')).finalUrl)).toBe('/landing?meta=base');
  });

  test.each(['href', 'assign', 'replace', 'window', 'top', 'document', 'self'])('static JS: %s', async (variant) => {
    const r = await http(`/js/${variant}`);
    expect(path(r.finalUrl)).toBe(`/landing?js=${variant}`);
    expect(r.hops[1]!.kind).toBe('js');
  });

  test('escaped JS string, gzip body and UTF-16 page', async () => {
    expect(path((await http('/js/escaped')).finalUrl)).toBe('/landing?js=escaped&x=1');
    expect(path((await http('/gzip')).finalUrl)).toBe('/landing?enc=gzip');
    expect(path((await http('/utf16')).finalUrl)).toBe('/landing?enc=utf16');
  });

  test('pages only a browser resolves stop in HTTP mode and say why', async () => {
    for (const [p, reason] of [
      ['/computed-js', 'computed-js-redirect'],
      ['/js/timeout', 'computed-js-redirect'],
      ['/form-auto', 'auto-submit-form'],
      ['/shell', 'empty-redirector-shell'],
    ] as const) {
      const run = await traceHttp(fx.url(p), local);
      expect(run.result.outcome).toBe('resolved');
      expect(path(run.result.finalUrl)).toBe(p);
      expect(run.needsBrowser).toEqual({ needed: true, reason });
    }
    expect((await traceHttp(fx.url('/landing'), local)).needsBrowser).toBeUndefined();
  });

  test('cookies are kept across hops (cookie-gated bounce is not a loop)', async () => {
    const r = await http('/cookie-gate');
    expect(r.outcome).toBe('resolved');
    expect(path(r.finalUrl)).toBe('/landing?cookie=ok');
    expect(r.hops.map((h) => path(h.url))).toEqual(['/cookie-gate', '/cookie-gate', '/landing?cookie=ok']);
  });

  test('realistic headers: UA gate, device profile, Accept-Language per country', async () => {
    expect(path((await http('/ua-gate')).finalUrl)).toBe('/landing?ua=ok');
    expect(path((await http('/device', { ...local, device: 'mobile' })).finalUrl)).toBe('/landing?device=mobile');
    expect(path((await http('/device')).finalUrl)).toBe('/landing?device=desktop');
    expect(path((await http('/lang', { ...local, country: 'de' })).finalUrl)).toBe('/landing?lang=de-DE');
    expect(path((await http('/lang', { ...local, country: 'BR' })).finalUrl)).toBe('/landing?lang=pt-BR');
    const hit = fx.hits('/ua-gate').at(-1)!;
    expect(hit.headers['sec-fetch-mode']).toBe('navigate');
    expect(hit.headers['accept-encoding']).toMatch(/gzip/);
  });

  test.each([
    ['market', 'market://details?id=com.example.app&referrer=utm_source%3Dads'],
    ['intent', 'intent://open?offer=1#Intent;scheme=exampleapp;package=com.example.app;end'],
    ['itms', 'itms-apps://apps.apple.com/app/id123456789'],
    ['js-market', 'market://details?id=com.example.app&referrer=utm_source%3Dads'],
  ])('deep link %s is recorded as the final URL', async (kind, target) => {
    const r = await http(`/deeplink/${kind}`);
    expect(r.outcome).toBe('resolved');
    expect(r.finalUrl).toBe(target);
    expect(r.hops.at(-1)).toMatchObject({ url: target, status: 0 });
  });

  test('click ids survive or are reported lost', async () => {
    const r = await http('/chain/3?gclid=G1&sub1=S&drop=gclid&dropAt=2', { ...local, clickIdParams: ['sub1'] });
    expect(r.outcome).toBe('resolved');
    expect(r.clickIds.perHop.map((h) => h.includes('gclid'))).toEqual([true, true, false, false]);
    expect(r.clickIds.survived).toEqual(['sub1']);
    expect(r.clickIds.lost).toEqual(['gclid']);
    expect(r.adsCompatibility.ok).toBe(false);
  });

  test('an HTTPS chain of server redirects is Ads-compatible', async () => {
    const s = (await traceHttp(fx.https!.url('/chain/3'), { ...local, tlsCa: fx.https!.ca })).result;
    expect(s.outcome).toBe('resolved');
    expect(s.adsCompatibility).toEqual({ ok: true, reasons: [] });
  });
});

describe('bad input ends with an outcome and a clear error', () => {
  const quick = { ...local, hopTimeoutMs: 400, deadlineMs: 3_000 };
  test.each<[string, string, string, RegExp]>([
    ['/loop/a', 'loop', 'offer', /loop/],
    ['/self-loop', 'loop', 'offer', /loop/],
    ['/chain/30', 'too_many_hops', 'offer', /more than 20 redirects/],
    ['/garbage-location', 'error', 'offer', /garbage Location/],
    ['/no-location', 'error', 'offer', /without a Location/],
    ['/garbage-response', 'error', 'offer', /answered badly/],
    ['/server-error', 'error', 'offer', /500/],
    ['/not-found', 'error', 'offer', /404/],
    ['/to-javascript', 'error', 'offer', /unsupported scheme javascript:/],
    ['/to-file', 'error', 'offer', /unsupported scheme file:/],
    ['/hang', 'timeout', 'network', /did not answer within 400 ms/],
  ])('%s → %s (%s)', async (p, outcome, cls, message) => {
    const r = await http(p, quick);
    expect(r.outcome).toBe(outcome);
    expect(r.error?.class).toBe(cls);
    expect(r.error?.message).toMatch(message);
  });

  test('30 hops stop at the cap of 20 (configurable)', async () => {
    const r = await http('/chain/30', quick);
    expect(r.hops).toHaveLength(21);
    expect((await http('/chain/30', { ...quick, maxHops: 5 })).hops).toHaveLength(6);
  });

  test('the total deadline cuts a chain of slow hops', async () => {
    const r = await http('/chain/10?delay=150', { ...local, deadlineMs: 500, hopTimeoutMs: 5_000 });
    expect(r.outcome).toBe('timeout');
    expect(r.error?.message).toMatch(/deadline of 500 ms/);
  });

  test('a 10 MB page is read only up to the cap, and handed to the browser (its end is unread)', async () => {
    const run = await traceHttp(fx.url('/huge'), { ...local, proxy: { url: pool.proxies[1]!.url, username: 'lease', password: 's3cret' } });
    expect(run.result.outcome).toBe('resolved');
    expect(run.needsBrowser).toEqual({ needed: true, reason: 'page-too-large' });
    expect(run.result.proxyBytes).toBeGreaterThan(1024 * 1024);
    expect(run.result.proxyBytes).toBeLessThan(3 * 1024 * 1024);
  });

  test.each<[string, string, RegExp]>([
    ['not a url', 'offer', /invalid URL/],
    ['ftp://example.com/file', 'offer', /unsupported scheme ftp:/],
    ['market://details?id=x', 'offer', /unsupported scheme market:/],
    ['http://127.0.0.1:1/', 'network', /ECONNREFUSED/],
    ['http://no-such-host.invalid/', 'network', /ENOTFOUND|EAI_AGAIN/],
  ])('%s → error (%s)', async (url, cls, message) => {
    const r = (await traceHttp(url, quick)).result;
    expect(r.outcome).toBe('error');
    expect(r.error?.class).toBe(cls);
    expect(r.error?.message).toMatch(message);
  });

  test('a TLS error is a network failure', async () => {
    const r = (await traceHttp(fx.https!.url('/landing'), quick)).result;
    expect(r.outcome).toBe('error');
    expect(r.error).toMatchObject({ class: 'network', message: expect.stringMatching(/TLS error/) });
  });

  test('trace() never throws, whatever the input', async () => {
    for (const input of ['', '%%%', 'http://', 'javascript:alert(1)', 'http://[::1', 'x'.repeat(10_000)]) {
      const r = await trace(input, { mode: 'http' });
      expect(r.outcome).toBe('error');
      expect(r.error?.message).toBeTruthy();
    }
  });
});

describe('SSRF guard', () => {
  test('the fixture itself is refused without the allow switch', async () => {
    const r = await http('/landing', {});
    expect(r).toMatchObject({ outcome: 'blocked', error: { class: 'offer', message: expect.stringMatching(/loopback/) } });
  });

  test('names resolving to loopback are refused', async () => {
    const r = (await traceHttp(`http://localhost:${fx.port}/landing`, {})).result;
    expect(r.outcome).toBe('blocked');
    expect(r.error?.message).toMatch(/loopback/);
  });

  test('redirects into private space are refused mid-chain', async () => {
    const allowFixture = { allowAddresses: ['127.0.0.1/32'] };
    const before = fx.requests.length;
    const meta = await http('/ssrf/metadata', allowFixture);
    expect(meta.outcome).toBe('blocked');
    expect(meta.finalUrl).toBe('http://169.254.169.254/latest/meta-data/');
    expect(meta.error?.message).toMatch(/link-local/);
    const other = await http('/ssrf/to?host=127.0.0.2', allowFixture);
    expect(other.outcome).toBe('blocked');
    for (const host of ['[::1]', '0x7f.2', '2130706434', '[::ffff:127.0.0.3]']) {
      expect((await http(`/ssrf/to?host=${encodeURIComponent(host)}`, allowFixture)).outcome).toBe('blocked');
    }
    // Only the fixture's own redirects were served; nothing reached another loopback address.
    expect(fx.requests.slice(before).every((r) => r.url.startsWith('/ssrf/'))).toBe(true);
  });
});

describe('through the local proxy', () => {
  test('all traffic goes through the proxy and its bytes are counted', async () => {
    const proxy = pool.proxies[0]!;
    const before = proxy.stats();
    const served = fx.hits('/chain/').length;
    const r = await http('/chain/3', { ...local, proxy: { url: proxy.url, username: 'lease', password: 's3cret' } });
    expect(r.outcome).toBe('resolved');
    const after = proxy.stats();
    expect(after.requests).toBeGreaterThan(before.requests);
    expect(r.proxyBytes).toBeGreaterThan(1000);
    // Both ends counted the same traffic.
    expect(after.bytes - before.bytes).toBe(r.proxyBytes);
    // The fixture saw the proxy's forwarding: its requests came in over the proxy's tunnels.
    expect(fx.hits('/chain/').length - served).toBe(3);
    expect(after.requests - before.requests).toBeGreaterThanOrEqual(1);
  });

  test('HTTPS through the proxy uses CONNECT', async () => {
    const proxy = pool.proxies[0]!;
    const s = (await traceHttp(fx.https!.url('/chain/2'), { ...local, tlsCa: fx.https!.ca, proxy: { url: `http://lease:s3cret@127.0.0.1:${proxy.port}` } })).result;
    expect(s.outcome).toBe('resolved');
    expect(s.proxyBytes).toBeGreaterThan(1000);
    expect(fx.hits('/chain/2').at(-1)!.secure).toBe(true);
  });

  test('a wrong password is a proxy failure', async () => {
    const proxy = pool.proxies[0]!;
    const rejectedBefore = proxy.stats().rejected;
    for (const url of [fx.url('/chain/2'), fx.https!.url('/chain/2')]) {
      const r = (await traceHttp(url, { ...local, tlsCa: fx.https!.ca, proxy: { url: proxy.url, username: 'lease', password: 'wrong' } })).result;
      expect(r.outcome).toBe('error');
      expect(r.error).toEqual({ class: 'proxy', message: 'proxy refused the credentials (407)' });
    }
    expect(proxy.stats().rejected).toBeGreaterThan(rejectedBefore);
  });

  test('a dead proxy is a proxy failure; an unreachable target through it is not', async () => {
    const doomed = await startLocalProxies({ count: 1, username: 'u', password: 'p' });
    const p = doomed.proxies[0]!;
    await p.kill();
    const dead = (await traceHttp(fx.url('/landing'), { ...local, proxy: { url: p.url, username: 'u', password: 'p' } })).result;
    expect(dead.error?.class).toBe('proxy');
    const unreachable = (await traceHttp('http://127.0.0.1:1/', { ...local, proxy: { url: pool.proxies[0]!.url, username: 'lease', password: 's3cret' } })).result;
    expect(unreachable.outcome).toBe('error');
    expect(unreachable.error?.class).toBe('network');
  });
});
