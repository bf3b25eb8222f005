/** `tracepool ips test` through the whole CLI against a stubbed admin API. */
import { runCli } from './run-cli';

const ip = (ipId: string, state = 'available') => ({ ipId, state });
const ok = (ipId: string, latencyMs: number, extra: Record<string, unknown> = {}) => ({
  ipId,
  tested: true,
  ok: true,
  host: '203.0.113.1',
  port: 8000,
  provider: 'luna',
  country: 'us',
  latencyMs,
  proxyBytes: 900,
  exitAddress: '198.51.100.7',
  exitCountry: 'us',
  countryMatches: true,
  counted: false,
  markedUnhealthy: false,
  ...extra,
});
const summary = (results: Record<string, unknown>[]) => {
  const tested = results.filter((r) => r.tested);
  return {
    echoUrl: 'https://ipinfo.io/json',
    results,
    tested: tested.length,
    ok: tested.filter((r) => r.ok).length,
    failed: tested.filter((r) => !r.ok).length,
    skipped: results.length - tested.length,
    countryMismatches: tested.filter((r) => r.countryMatches === false).length,
  };
};

/** The stub: the listing, and each probe batch answered from its ids. */
function api(listed: { ipId: string; state: string }[], answer: (id: string) => Record<string, unknown> = (id) => ok(id, 100)) {
  return (url: string, body?: string) => {
    if (url.includes('/admin/ips?')) return { status: 200, body: { ips: listed } };
    const { ids } = JSON.parse(body!) as { ids: string[] };
    return { status: 200, body: summary(ids.map(answer)) };
  };
}

describe('ips test', () => {
  it('tests the available IPs ten per request, counts the others, and prints a table and a summary', async () => {
    const listed = [...Array.from({ length: 12 }, (_, i) => ip(`ip-${i}`)), ip('busy', 'leased'), ip('sick', 'unhealthy')];
    const r = await runCli(['ips', 'test', '--country', 'US'], api(listed));
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
      'GET http://admin.test/admin/ips?limit=10000&country=us',
      'POST http://admin.test/admin/ips/test',
      'POST http://admin.test/admin/ips/test',
    ]);
    expect(JSON.parse(r.requests[1]!.body!).ids).toHaveLength(10);
    expect(JSON.parse(r.requests[2]!.body!).ids).toEqual(['ip-10', 'ip-11']);
    expect(r.out).toMatch(/^IP ID\s+ENDPOINT\s+CC\s+RESULT\s+EXIT ADDRESS\s+EXIT CC\s+HEALTH\s+LATENCY$/m);
    expect(r.out).toMatch(/^ip-0\s+203\.0\.113\.1:8000\s+us\s+ok\s+198\.51\.100\.7\s+us\s+100 ms$/m);
    expect(r.out).toContain('Tested 12 IP(s) through https://ipinfo.io/json: 12 ok, 0 failed; median latency 100 ms.');
    expect(r.out).toContain('Not tested: 1 leased, 1 unhealthy.');
    // Progress goes to stderr, a line per batch when stderr is not a terminal.
    expect(r.err).toBe('Testing IPs: 10/12\nTesting IPs: 12/12\n');
  });

  it('exits 1 and explains each failure; a wrong country is flagged', async () => {
    const r = await runCli(
      ['ips', 'test'],
      api([ip('a'), ip('b'), ip('c')], (id) =>
        id === 'a'
          ? ok(id, 80, { exitCountry: 'de', countryMatches: false })
          : id === 'b'
            ? {
                ...ok(id, 3000),
                ok: false,
                exitAddress: undefined,
                exitCountry: undefined,
                countryMatches: undefined,
                failure: { class: 'proxy', message: 'proxy refused the credentials (407)' },
                counted: true,
                markedUnhealthy: true,
              }
            : { ipId: id, tested: false, skipped: 'cooldown' },
      ),
    );
    expect(r.exitCode).toBe(1);
    expect(r.out).toMatch(/^a\s+\S+\s+us\s+ok\s+198\.51\.100\.7\s+de \(!\)\s+80 ms$/m);
    expect(r.out).toMatch(/^b\s+\S+\s+us\s+FAIL proxy\s+-\s+-\s+now unhealthy\s+3000 ms$/m);
    expect(r.out).toContain('  b: proxy refused the credentials (407)');
    expect(r.out).toContain('  c: not tested (cooldown)');
    expect(r.out).toContain('1 ok, 1 failed, 1 exiting in another country than the pool says; median latency 80 ms.');
    expect(r.out).toContain('Not tested: 1 busy when probed.');
  });

  it('--sample picks that many of the available IPs; ids are sent as given, without a listing', async () => {
    const sampled = await runCli(['ips', 'test', '--sample', '2'], api([ip('a'), ip('b'), ip('c'), ip('d'), ip('x', 'disabled')]));
    expect(sampled.requests).toHaveLength(2);
    const ids = JSON.parse(sampled.requests[1]!.body!).ids as string[];
    expect(ids).toHaveLength(2);
    expect(ids.every((id) => ['a', 'b', 'c', 'd'].includes(id))).toBe(true);

    const named = await runCli(['ips', 'test', 'x', 'y', '--echo-url', 'https://echo.example/ip', '--json'], api([]));
    expect(named.requests.map((q) => q.method)).toEqual(['POST']);
    expect(JSON.parse(named.requests[0]!.body!)).toEqual({ ids: ['x', 'y'], echoUrl: 'https://echo.example/ip' });
    expect(JSON.parse(named.out)).toMatchObject({ tested: 2, ok: 2, notAvailable: {} });
  });

  it('refuses bad options before calling the API, and says how far a failing run got', async () => {
    const bad = await runCli(['ips', 'test', '--country', 'usa'], api([]));
    expect(bad.exitCode).toBe(1);
    expect(bad.err).toContain('--country must be an ISO 3166-1 alpha-2 code');
    expect(bad.requests).toEqual([]);
    expect((await runCli(['ips', 'test', 'a', '--sample', '1'], api([]))).err).toContain('give ids, or --country/--sample, not both');

    let batch = 0;
    const failing = await runCli(['ips', 'test'], (url, body) =>
      url.includes('/admin/ips?')
        ? { status: 200, body: { ips: Array.from({ length: 15 }, (_, i) => ip(`ip-${i}`)) } }
        : ++batch === 1
          ? api([])(url, body)
          : { status: 503, body: { message: 'Service Unavailable' } },
    );
    expect(failing.exitCode).toBe(2);
    expect(failing.err).toContain('ips test: HTTP 503: Service Unavailable (after 10 of 15 IPs)');
  });

  it('says so when nothing matches', async () => {
    const r = await runCli(['ips', 'test', '--country', 'fr'], api([]));
    expect(r.exitCode).toBe(1);
    expect(r.err).toContain('No IPs match.');
  });
});
