/**
 * The IP probe's use case on real pieces: DynamoDB Local's IpPool, local forward proxies, and an
 * echo server on loopback. What counts against an IP is a proxy failure only (refused credentials,
 * a dead proxy); an echo that answers an error says nothing about the IP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocalProxies, type LocalProxyPool } from '../../../local/proxies';
import { upsertIps } from '../../../lambdas/lease/ip-import';
import { testIps, type IpTestDeps } from '../../../lambdas/admin/ip-test';
import { probeEcho } from '../../../lambdas/tracer/echo-probe';
import { ProviderCredentials, type ProviderCredentialsResolver } from '../../../lambdas/shared/provider-credentials';
import { poolFixture, type PoolFixture } from '../lease/pool-fixture';
import { deriveIpId } from '../../../lambdas/lease/ip-records';

let proxies: LocalProxyPool;
let echo: http.Server;
let echoUrl: string;
let fx: PoolFixture;
const good = { username: 'probe', password: 'right' };

beforeAll(async () => {
  proxies = await startLocalProxies({ count: 3, ...good, ownExitAddresses: true });
  echo = http.createServer((req, res) => {
    if (req.url === '/broken') {
      res.writeHead(500).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ip: req.socket.remoteAddress?.replace(/^::ffff:/, ''), country: 'DE' }));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/echo`;
  fx = await poolFixture('ip-test', { leaseMs: 60_000, cooldownMs: 60_000, unhealthyAfter: 2 }, Date.now);
  await upsertIps(
    fx.deps,
    proxies.proxies.map((p) => ({ ipId: deriveIpId('local', p.host, p.port), host: p.host, port: p.port, country: 'us', provider: 'local', enabled: true })),
  );
}, 60_000);
afterAll(async () => {
  await proxies?.stop();
  await new Promise((r) => echo?.close(r));
  fx?.close();
});

const credentials = (password: string): ProviderCredentialsResolver => ({
  get: async (provider) => new ProviderCredentials(provider, good.username, password),
});
const deps = (password = good.password): IpTestDeps => ({
  pool: fx.pool,
  credentials: credentials(password),
  probe: probeEcho,
  config: { echoUrl, timeoutMs: 5_000, allowPrivate: true },
});
const idOf = (i: number) => deriveIpId('local', proxies.proxies[i]!.host, proxies.proxies[i]!.port);

test('a working proxy: the echo sees its exit, the country is compared, the IP goes back untouched', async () => {
  const before = await fx.item(idOf(0));
  const summary = await testIps(deps(), { ids: [idOf(0)] });
  expect(summary).toMatchObject({ tested: 1, ok: 1, failed: 0, countryMismatches: 1 });
  expect(summary.results[0]).toMatchObject({
    tested: true,
    ok: true,
    exitAddress: proxies.proxies[0]!.exitAddress,
    exitCountry: 'de',
    countryMatches: false,
    counted: false,
  });
  const after = await fx.item(idOf(0));
  expect(after).toMatchObject({ fence: Number(before.fence) + 1, successCount: 0, failureCount: 0 });
  expect(after.leaseOwner).toBeUndefined();
  expect(Number(after.availableAt)).toBeLessThanOrEqual(Date.now());
});

test('an echo answering an error is not held against the IP', async () => {
  const summary = await testIps(deps(), { ids: [idOf(1)], echoUrl: echoUrl.replace('/echo', '/broken') });
  expect(summary.results[0]).toMatchObject({ tested: true, ok: false, failure: { class: 'network' }, counted: false, markedUnhealthy: false });
  expect(await fx.item(idOf(1))).toMatchObject({ failureCount: 0, consecutiveFailures: 0, healthy: true });
});

test('refused credentials are a proxy failure: counted, the IP cools down, a second probe skips it', async () => {
  const first = await testIps(deps('wrong'), { ids: [idOf(2)] });
  expect(first.results[0]).toMatchObject({ tested: true, ok: false, failure: { class: 'proxy', message: expect.stringMatching(/407/) }, counted: true });
  expect(await fx.item(idOf(2))).toMatchObject({ failureCount: 1, consecutiveFailures: 1, lastOutcome: 'proxy_failure' });
  const second = await testIps(deps('wrong'), { ids: [idOf(2)] });
  expect(second.results[0]).toEqual({ ipId: idOf(2), tested: false, skipped: 'cooldown' });
});

test('a leased IP is never probed', async () => {
  const lease = await fx.pool.acquire('us', 'some-trace');
  const summary = await testIps(deps(), { ids: [lease.ipId] });
  expect(summary.results[0]).toEqual({ ipId: lease.ipId, tested: false, skipped: 'leased' });
  expect(await fx.item(lease.ipId)).toMatchObject({ leaseOwner: 'some-trace', leaseId: lease.leaseId });
});
