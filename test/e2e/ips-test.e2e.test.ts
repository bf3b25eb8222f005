/**
 * `tracepool ips test` against the local stack: each demo proxy is leased, the local echo is fetched
 * through it, and the echo's answer (the proxy's own exit address, its country) comes back. A dead
 * proxy fails as a proxy failure and counts against its IP as after a trace, until the threshold
 * marks it unhealthy; a busy IP is left alone.
 */
import type { LocalStack } from '../../local/stack';
import { ENV } from '../../contracts/manifest/env';
import { STACK_START_MS, startTestStack } from '../support/test-stack';
import { e2eClient, tracepoolCli } from '../support/e2e-client';
import type { IpTestReport } from '../../bin/commands/ips-test';

let stack: LocalStack;
const { admin } = e2eClient(() => stack);
const tracepool = tracepoolCli(() => stack, 90_000);

beforeAll(async () => {
  // No cooldown: the dead proxy is probed again at once, and reaches the threshold in three runs.
  stack = await startTestStack('e2e-ips-test', { schedules: false, demo: false, proxyCount: 3, env: { [ENV.leaseCooldownMs]: '0' } });
}, STACK_START_MS);
afterAll(() => stack?.stop());

interface IpView {
  ipId: string;
  port: number;
  state: string;
  healthy: boolean;
  fence: number;
  successCount: number;
  failureCount: number;
  consecutiveFailures: number;
}

const listIps = async (): Promise<IpView[]> => ((await (await admin('/admin/ips')).json()) as { ips: IpView[] }).ips;
const report = (out: string) => JSON.parse(out) as IpTestReport;

test('ips test reaches the echo through every proxy and reports what it saw', async () => {
  const before = await listIps();
  expect(before).toHaveLength(3);
  const run = await tracepool('ips', 'test', '--json');
  expect(run.err).toBe('');
  expect(run.status).toBe(0);
  const r = report(run.out);
  expect(r).toMatchObject({ tested: 3, ok: 3, failed: 0, skipped: 0, countryMismatches: 0 });
  expect(r.echoUrl).toBe(`${stack.url}/demo/echo`);
  const exits = new Map(stack.proxies!.proxies.map((p) => [p.port, p.exitAddress]));
  for (const result of r.results) {
    expect(result).toMatchObject({ tested: true, ok: true, country: 'us', exitCountry: 'us', countryMatches: true, counted: false });
    // The echo saw the proxy's own exit, not this machine's address.
    if (result.tested) expect(result.exitAddress).toBe(exits.get(result.port));
  }
  // Each IP was leased (its fence moved) and handed back untouched: available, no counters.
  const after = await listIps();
  for (const ip of after) {
    const was = before.find((b) => b.ipId === ip.ipId)!;
    expect(ip).toMatchObject({ state: 'available', fence: was.fence + 1, successCount: 0, failureCount: 0 });
  }

  const text = await tracepool('ips', 'test', '--sample', '1');
  expect(text.status).toBe(0);
  expect(text.out).toMatch(/Tested 1 IP\(s\) through .*\/demo\/echo: 1 ok, 0 failed; median latency \d+ ms\./);
});

test('a dead proxy counts against its IP as a proxy failure, then is marked unhealthy', async () => {
  const dead = stack.proxies!.proxies[0]!;
  const ipId = (await listIps()).find((ip) => ip.port === dead.port)!.ipId;
  await dead.kill();
  for (let run = 1; run <= 3; run++) {
    const res = await tracepool('ips', 'test', ipId, '--json');
    expect(res.status).toBe(1);
    const [result] = report(res.out).results;
    expect(result).toMatchObject({ ipId, tested: true, ok: false, failure: { class: 'proxy' }, counted: true, markedUnhealthy: run === 3 });
  }
  const ip = (await listIps()).find((i) => i.ipId === ipId)!;
  expect(ip).toMatchObject({ state: 'unhealthy', healthy: false, failureCount: 3 });

  // Unhealthy now: not probed again, and the listing says so.
  const again = await tracepool('ips', 'test', '--json');
  expect(again.status).toBe(0);
  expect(report(again.out)).toMatchObject({ tested: 2, ok: 2, notAvailable: { unhealthy: 1 } });
  const named = report((await tracepool('ips', 'test', ipId, '--json')).out);
  expect(named.results).toEqual([{ ipId, tested: false, skipped: 'unhealthy' }]);
});

test('the route refuses bad bodies with a clear 400', async () => {
  const post = (body: string) => admin('/admin/ips/test', { method: 'POST', body });
  expect((await post('{}')).status).toBe(400);
  expect((await post(JSON.stringify({ ids: Array.from({ length: 11 }, (_, i) => `ip-${i}`) }))).status).toBe(400);
  expect((await post(JSON.stringify({ ids: ['x'], echoUrl: 'ftp://example.com' }))).status).toBe(400);
  expect((await post(JSON.stringify({ ids: ['x'], extra: 1 }))).status).toBe(400);
  const missing = await post(JSON.stringify({ ids: ['no-such-ip'] }));
  expect(missing.status).toBe(200);
  expect((await missing.json()).results).toEqual([{ ipId: 'no-such-ip', tested: false, skipped: 'not_found' }]);
});
