// Browser and auto modes against the fixture corpus. puppeteer-core needs ESM-only packages jest
// does not transform, so the traces run in one child process (one warm browser for the file).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocalProxies, type LocalProxyPool } from '../../../local/proxies';
import { startRedirectFixtures, type RedirectFixtures } from '../../support/redirect-fixtures';
import { startTraceWorker, type TraceWorker, type WorkerTraceOptions } from '../../support/trace-worker-client';

let fx: RedirectFixtures;
let pool: LocalProxyPool;
let worker: TraceWorker;
const local: WorkerTraceOptions = { allowPrivate: true, settleMs: 250, hopTimeoutMs: 3_000, deadlineMs: 10_000 };

beforeAll(async () => {
  worker = startTraceWorker();
  fx = await startRedirectFixtures();
  pool = await startLocalProxies({ count: 1, username: 'lease', password: 's3cret' });
});
afterAll(async () => {
  await worker.close();
  await pool.stop();
  await fx.close();
});

const browser = (path: string, options: WorkerTraceOptions = {}) => worker.trace(fx.url(path), { ...local, mode: 'browser', ...options });
const path = (url: string): string => url.replace(fx.origin, '');
const kinds = (r: { hops: { kind: string; status: number }[] }) => r.hops.map((h) => `${h.kind}:${h.status}`);

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const html = (res: http.ServerResponse, body: string): void => void res.setHeader('content-type', 'text/html').end(`<!doctype html>${body}`);
/** A server of the test's own on a loopback address (a site the fixtures do not have). */
function serve(host: string, handler: Handler): Promise<{ origin: string; port: number; handler: Handler; close: () => Promise<void> }> {
  return new Promise((ok) => {
    const server = http.createServer(handler);
    server.listen(0, host, () => {
      const port = (server.address() as AddressInfo).port;
      ok({ origin: `http://${host}:${port}`, port, handler, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

describe('browser mode', () => {
  test('server, header, meta and script redirects are each recorded with their kind', async () => {
    const [s302, header, meta, js] = await Promise.all([browser('/status/302'), browser('/refresh-header'), browser('/meta/basic'), browser('/js/href')]);
    expect([s302, header, meta, js].map((r) => r.mode)).toEqual(['browser', 'browser', 'browser', 'browser']);
    expect(path(s302.finalUrl)).toBe('/landing?via=302');
    expect(kinds(s302)).toEqual(['start:302', 'http:200']);
    expect(kinds(header)).toEqual(['start:200', 'refresh-header:200']);
    expect(kinds(meta)).toEqual(['start:200', 'meta-refresh:200']);
    expect(kinds(js)).toEqual(['start:200', 'js:200']);
  });

  test('what only a browser resolves: computed JS, auto-submitted form, empty shell', async () => {
    const [computed, form, shell] = await Promise.all([browser('/computed-js'), browser('/form-auto'), browser('/shell')]);
    expect(computed.outcome).toBe('resolved');
    expect(path(computed.finalUrl)).toBe('/landing?js=computed');
    expect(path(form.finalUrl)).toBe('/landing?form=1');
    expect(kinds(form)).toEqual(['start:200', 'browser:303', 'http:200']);
    expect(fx.hits('/form-target').some((h) => h.method === 'POST' && h.body === 'a=1')).toBe(true);
    expect(path(shell.finalUrl)).toBe('/landing?shell=1');
  });

  test('a delayed meta refresh is waited for', async () => {
    const r = await browser('/meta/delay');
    expect(path(r.finalUrl)).toBe('/landing?meta=delay');
  });

  test('cookie and user-agent gates, mobile profile', async () => {
    const [cookie, ua, mobile] = await Promise.all([browser('/cookie-gate'), browser('/ua-gate'), browser('/device', { device: 'mobile' })]);
    expect(path(cookie.finalUrl)).toBe('/landing?cookie=ok');
    expect(path(ua.finalUrl)).toBe('/landing?ua=ok');
    expect(path(mobile.finalUrl)).toBe('/landing?device=mobile');
  });

  test('deep links end the chain', async () => {
    const [redirect, script] = await Promise.all([browser('/deeplink/market'), browser('/deeplink/js-intent')]);
    expect(redirect).toMatchObject({ outcome: 'resolved', finalUrl: 'market://details?id=com.example.app&referrer=utm_source%3Dads' });
    expect(script).toMatchObject({ outcome: 'resolved', finalUrl: 'intent://open?offer=1#Intent;scheme=exampleapp;package=com.example.app;end' });
    expect(script.hops.at(-1)!.kind).toBe('js');
  });

  test('bad input ends with an outcome and a clear error', async () => {
    const cases: Array<[string, string, string, RegExp]> = [
      ['/loop/a', 'loop', 'offer', /loop/],
      ['/chain/30', 'too_many_hops', 'offer', /redirects/],
      ['/garbage-response', 'error', 'offer', /answered badly/],
      ['/server-error', 'error', 'offer', /500/],
      ['/to-javascript', 'error', 'offer', /unsupported scheme javascript:/],
      ['/hang', 'timeout', 'network', /did not answer within 2000 ms/],
    ];
    // Six traces at once in one browser: on a busy machine a hop can take a second.
    const results = await Promise.all(cases.map(([p]) => browser(p, { hopTimeoutMs: 2_000 })));
    results.forEach((r, i) => {
      const [, outcome, cls, message] = cases[i]!;
      expect({ path: cases[i]![0], outcome: r.outcome, cls: r.error?.class }).toEqual({ path: cases[i]![0], outcome, cls });
      expect(r.error?.message).toMatch(message);
    });
    const invalid = await worker.trace('not a url', { ...local, mode: 'browser' });
    expect(invalid).toMatchObject({ outcome: 'error', error: { class: 'offer' } });
    const refused = await worker.trace('http://127.0.0.1:1/', { ...local, mode: 'browser' });
    expect(refused).toMatchObject({ outcome: 'error', error: { class: 'network' } });
  });

  test('SSRF: the browser is stopped at a redirect into private space', async () => {
    const r = await browser('/ssrf/to?host=127.0.0.2', { allowPrivate: false, allowAddresses: ['127.0.0.1/32'] });
    expect(r.outcome).toBe('blocked');
    expect(r.finalUrl).toMatch(/^http:\/\/127\.0\.0\.2:/);
    const meta = await browser('/ssrf/metadata', { allowPrivate: false, allowAddresses: ['127.0.0.1/32'] });
    expect(meta).toMatchObject({ outcome: 'blocked', error: { class: 'offer', message: expect.stringMatching(/link-local/) } });
    const name = await worker.trace(`http://localhost:${fx.port}/landing`, { ...local, allowPrivate: false, mode: 'browser' });
    expect(name.outcome).toBe('blocked');
  });

  test('through the proxy: traffic counted, resources blocked, wrong password is a proxy failure', async () => {
    const proxy = pool.proxies[0]!;
    const creds = { url: proxy.url, username: 'lease', password: 's3cret' };
    const before = proxy.stats();
    const blocked = await browser('/pixels', { proxy: creds });
    const mid = proxy.stats();
    const unblocked = await browser('/pixels', { proxy: creds, blockResources: false });
    expect(blocked.outcome).toBe('resolved');
    expect(path(blocked.finalUrl)).toBe('/landing?pixels=1');
    expect(unblocked.outcome).toBe('resolved');
    expect(mid.requests).toBeGreaterThan(before.requests);
    expect(mid.bytes - before.bytes).toBeGreaterThanOrEqual(blocked.proxyBytes);
    expect(blocked.proxyBytes).toBeGreaterThan(1000);
    // Five 64 KB assets: blocking them saves most of the bytes.
    expect(unblocked.proxyBytes).toBeGreaterThan(blocked.proxyBytes + 200 * 1024);
    const wrong = await browser('/chain/2', { proxy: { ...creds, password: 'wrong' } });
    expect(wrong).toMatchObject({ outcome: 'error', error: { class: 'proxy' } });
  });

  test('resources are blocked in a frame from another site too', async () => {
    // Two sites: the page on 127.0.0.1, its frame on 127.0.0.2, which loads an image.
    const hits: string[] = [];
    let framePort = 0;
    const page = await serve('127.0.0.1', (req, res) => {
      hits.push(`${req.socket.localAddress} ${req.url}`);
      if (req.url === '/outer') return void html(res, `<iframe src="http://127.0.0.2:${framePort}/inner"></iframe>`);
      if (req.url === '/inner') return void html(res, '<p>ad</p><img src="/pixel.png">');
      if (req.url === '/pixel.png') return void res.setHeader('content-type', 'image/png').end(Buffer.alloc(2048));
      res.writeHead(404).end();
    });
    const frame = await serve('127.0.0.2', page.handler);
    framePort = frame.port;
    const url = `${page.origin}/outer`;
    try {
      const blocked = await worker.trace(url, { ...local, mode: 'browser' });
      expect(blocked).toMatchObject({ outcome: 'resolved', finalUrl: url });
      expect(hits).toContain('127.0.0.2 /inner');
      expect(hits.filter((h) => h.endsWith('/pixel.png'))).toEqual([]);
      // The same page with blocking off does load the image: the frame was there to block in.
      const unblocked = await worker.trace(url, { ...local, mode: 'browser', blockResources: false });
      expect(unblocked.outcome).toBe('resolved');
      expect(hits).toContain('127.0.0.2 /pixel.png');
    } finally {
      await page.close();
      await frame.close();
    }
  });

  test('a page finds WebGL, as in a desktop browser (pages are composited in software)', async () => {
    const site = await serve('127.0.0.1', (req, res) => {
      if (req.url === '/gl') return void html(res, "<script>location.href = '/seen?webgl=' + (document.createElement('canvas').getContext('webgl') ? 1 : 0);</script>");
      html(res, '<p>seen</p>');
    });
    try {
      const r = await worker.trace(`${site.origin}/gl`, { ...local, mode: 'browser' });
      expect(r).toMatchObject({ outcome: 'resolved', finalUrl: `${site.origin}/seen?webgl=1` });
    } finally {
      await site.close();
    }
  });

  test('a refresh due while the page is busy is still followed (settled by the page, not the wall clock)', async () => {
    // After load, a task of the page's own (not a timer) keeps its main thread busy for 2.5 s — as
    // long as a starved renderer on a loaded machine can take — and the 0-second refresh runs after
    // it, as Chromium runs it for a user. Wall-clock waiting alone (quiet time, the grace after a
    // scheduled refresh) would call the page settled before the refresh could fire.
    const busy =
      "addEventListener('load', () => { const c = new MessageChannel(); c.port1.onmessage = () => { const t = Date.now(); while (Date.now() - t < 2500); }; c.port2.postMessage(0); });";
    const site = await serve('127.0.0.1', (req, res) => {
      if (req.url === '/busy') return void html(res, `<meta http-equiv="refresh" content="0;url=/after-busy"><script>${busy}</script>`);
      html(res, '<p>landed</p>');
    });
    try {
      const r = await worker.trace(`${site.origin}/busy`, { ...local, mode: 'browser' });
      expect(r).toMatchObject({ outcome: 'resolved', finalUrl: `${site.origin}/after-busy` });
      expect(kinds(r)).toEqual(['start:200', 'meta-refresh:200']);
    } finally {
      await site.close();
    }
  });
});

describe('auto mode', () => {
  test('stays in HTTP when HTTP resolves the chain', async () => {
    const r = await worker.trace(fx.url('/chain/3?kind=meta'), { ...local, mode: 'auto' });
    expect(r).toMatchObject({ outcome: 'resolved', mode: 'http' });
  });

  test('hands over to the browser only when the last page needs it, keeping the HTTP hops', async () => {
    const r = await worker.trace(fx.url('/status/302?to=/computed-js'), { ...local, mode: 'auto' });
    expect(r).toMatchObject({ outcome: 'resolved', mode: 'browser' });
    expect(path(r.finalUrl)).toBe('/landing?js=computed');
    expect(kinds(r)).toEqual(['start:302', 'http:200', 'js:200']);
  });

  test('cookies collected over HTTP carry into the browser', async () => {
    // /needs-cookie-js answers 403 unless the cookie set on the previous (HTTP) hop comes along.
    const r = await worker.trace(fx.url('/cookie-then-computed'), { ...local, mode: 'auto' });
    expect(r).toMatchObject({ outcome: 'resolved', mode: 'browser' });
    expect(path(r.finalUrl)).toBe('/landing?cookie=carried');
    const fresh = await browser('/needs-cookie-js');
    expect(fresh).toMatchObject({ outcome: 'error', error: { class: 'offer' } });
  });

  test('remembers per offer that the browser was needed', async () => {
    const first = await worker.trace(fx.url('/shell'), { ...local, mode: 'auto', memory: 'm1', offerId: 'offer-1' });
    expect(first.mode).toBe('browser');
    const shellHits = (): number => fx.requests.filter((q) => q.url === '/shell').length;
    const hitsBefore = shellHits();
    const second = await worker.trace(fx.url('/shell'), { ...local, mode: 'auto', memory: 'm1', offerId: 'offer-1' });
    expect(second).toMatchObject({ outcome: 'resolved', mode: 'browser' });
    // Straight to the browser: one request for /shell, not an HTTP one and then a browser one.
    expect(shellHits() - hitsBefore).toBe(1);
    expect(kinds(second)[0]).toBe('start:200');
  });
});

describe('chromium unpacking', () => {
  test('two processes starting cold at once both launch (the unpack is serialized by a lock file)', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { spawn } = await import('node:child_process');
    const fresh = mkdtempSync(join(tmpdir(), 'tracepool-cold-'));
    const script = join(fresh, 'launch.mts');
    const launcher = join(__dirname, '..', '..', '..', 'lambdas', 'tracer', 'chromium-launcher.ts');
    writeFileSync(
      script,
      `import { launchChromium } from ${JSON.stringify(launcher)};\nconst b = await launchChromium();\nconsole.log(await b.version());\nawait b.close();\n`,
    );
    const run = (): Promise<{ code: number | null; out: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, TMPDIR: fresh }, cwd: join(__dirname, '..', '..', '..') });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => resolve({ code, out }));
      });
    try {
      const results = await Promise.all([run(), run()]);
      for (const r of results) {
        expect(r.out).toMatch(/HeadlessChrome/);
        expect(r.code).toBe(0);
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
