// The browser's egress on its own, driven as Chromium drives its proxy (CONNECT and absolute-form
// requests), against real local servers and the real `proxy` package.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { startLocalProxies, type LocalProxyPool } from '../../../local/proxies';
import { startBrowserEgress, type BrowserEgress } from '../../../lambdas/tracer/browser-egress';
import type { Resolver } from '../../../lambdas/tracer/ssrf-guard';

let site: http.Server;
let sitePort: number;
let pool: LocalProxyPool;
const seen: http.IncomingHttpHeaders[] = [];
const open: BrowserEgress[] = [];

beforeAll(async () => {
  site = http.createServer((req, res) => {
    seen.push(req.headers);
    res.end(`hello ${req.url}`);
  });
  await new Promise<void>((ok) => site.listen(0, '127.0.0.1', () => ok()));
  sitePort = (site.address() as AddressInfo).port;
  pool = await startLocalProxies({ count: 1, username: 'u', password: 'p' });
});
afterAll(async () => {
  await Promise.all(open.map((e) => e.close()));
  await pool.stop();
  await new Promise((ok) => site.close(ok));
});

async function egress(...args: Parameters<typeof startBrowserEgress>): Promise<BrowserEgress> {
  const e = await startBrowserEgress(...args);
  open.push(e);
  return e;
}

/** A plain-http GET the way Chromium sends it to its proxy. */
function get(e: BrowserEgress, url: string): Promise<{ status: number; body: string }> {
  const p = new URL(e.url);
  return new Promise((ok, fail) => {
    http
      .get({ host: p.hostname, port: p.port, path: url, headers: { host: new URL(url).host }, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      })
      .on('error', fail);
  });
}

/** A CONNECT the way Chromium opens a tunnel: resolves with the status line's code. */
function connect(e: BrowserEgress, authority: string): Promise<number> {
  const p = new URL(e.url);
  return new Promise((ok, fail) => {
    const s = net.connect(Number(p.port), p.hostname, () => s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    s.once('data', (d: Buffer) => {
      ok(Number(/^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1]));
      s.destroy();
    });
    s.once('error', fail);
  });
}

const fixed =
  (answers: Record<string, string>): Resolver =>
  async (host) => {
    const address = answers[host];
    if (!address) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return [{ address, family: 4 }];
  };

test('direct: an allowed host is reached, a private one refused before any connection', async () => {
  const e = await egress({ policy: { allowAddresses: ['127.0.0.1/32'] } });
  expect(await get(e, `http://127.0.0.1:${sitePort}/ok`)).toEqual({ status: 200, body: 'hello /ok' });
  expect((await get(e, `http://127.0.0.2:${sitePort}/no`)).status).toBe(502);
  expect(await connect(e, `169.254.169.254:80`)).toBe(502);
  expect(e.refusals().map((r) => [r.target, r.kind])).toEqual([
    [`127.0.0.2:${sitePort}`, 'blocked'],
    ['169.254.169.254:80', 'blocked'],
  ]);
  expect(e.proxyFault()).toBeUndefined();
});

test('direct: a name is resolved once and pinned; an unresolvable one is refused', async () => {
  let calls = 0;
  const e = await egress({
    policy: { allowAddresses: ['127.0.0.1/32'] },
    resolver: async (host) => {
      calls++;
      if (host !== 'site.test') throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return [{ address: calls === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
    },
  });
  await e.admit(new URL(`http://site.test:${sitePort}/`));
  expect((await get(e, `http://site.test:${sitePort}/a`)).body).toBe('hello /a');
  expect((await get(e, `http://site.test:${sitePort}/b`)).body).toBe('hello /b');
  expect(calls).toBe(1);
  expect((await get(e, `http://nowhere.test:${sitePort}/`)).status).toBe(502);
  expect(e.refusalFor(`nowhere.test:${sitePort}`)).toMatchObject({ kind: 'unresolved' });
});

test('through the proxy: credentials go to the proxy only, the proxy resolves names we cannot', async () => {
  const proxy = pool.proxies[0]!;
  const e = await egress({
    policy: { allowAddresses: ['127.0.0.1/32'] },
    upstream: { host: proxy.host, port: proxy.port, authorization: `Basic ${Buffer.from('u:p').toString('base64')}` },
    resolver: fixed({}),
  });
  const before = seen.length;
  expect(await get(e, `http://127.0.0.1:${sitePort}/via-proxy`)).toEqual({ status: 200, body: 'hello /via-proxy' });
  expect(seen.slice(before).every((h) => h.authorization === undefined && h['proxy-authorization'] === undefined)).toBe(true);
  expect(e.bytes()).toBeGreaterThan(0);
  // Not resolvable here: the proxy is asked (and its own DNS fails): the target's failure, not the proxy's.
  expect(await connect(e, 'unknown.invalid:443')).toBe(502);
  expect(e.refusalFor('unknown.invalid:443')).toMatchObject({ kind: 'tunnel' });
  expect(e.proxyFault()).toBeUndefined();
  // A literal in our network is refused even though the proxy would carry it.
  expect(await connect(e, `127.0.0.2:${sitePort}`)).toBe(502);
  expect(e.refusalFor(`127.0.0.2:${sitePort}`)).toMatchObject({ kind: 'blocked' });
});

test("the proxy's own failures are proxy faults: its 407, a connection that never opens", async () => {
  const proxy = pool.proxies[0]!;
  const wrong = await egress({ policy: { allowAddresses: ['127.0.0.1/32'] }, upstream: { host: proxy.host, port: proxy.port, authorization: 'Basic d3Jvbmc6d3Jvbmc=' } });
  expect(await connect(wrong, `127.0.0.1:${sitePort}`)).toBe(502);
  expect(wrong.proxyFault()).toMatchObject({ kind: 'auth' });

  const closed = net.createServer();
  await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', () => ok()));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise((ok) => closed.close(ok));
  const dead = await egress({ policy: { allowAddresses: ['127.0.0.1/32'] }, upstream: { host: '127.0.0.1', port: deadPort } });
  expect(await connect(dead, `127.0.0.1:${sitePort}`)).toBe(502);
  expect(dead.proxyFault()).toMatchObject({ kind: 'connect' });
});

test('a CONNECT answered late by the proxy (a slow target behind it) is not the proxy fault', async () => {
  // A "proxy" that accepts the connection and never answers CONNECT.
  const held = new Set<net.Socket>();
  const silent = net.createServer((s) => held.add(s));
  await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', () => ok()));
  const e = await egress({
    policy: { allowAddresses: ['127.0.0.1/32'] },
    upstream: { host: '127.0.0.1', port: (silent.address() as AddressInfo).port },
    connectTimeoutMs: 300,
  });
  expect(await connect(e, `127.0.0.1:${sitePort}`)).toBe(502);
  expect(e.proxyFault()).toBeUndefined();
  expect(e.refusalFor(`127.0.0.1:${sitePort}`)).toMatchObject({ kind: 'unreachable' });
  for (const s of held) s.destroy();
  await new Promise((ok) => silent.close(ok));
});
