/** `tracepool offers stats` through the whole CLI against a stubbed admin API. */
import { runCli } from './run-cli';
import { formatBytes, type OfferStatsView, type StatsFigures } from '../../../bin/commands/offer-stats';

const figures = (f: Partial<StatsFigures> = {}): StatsFigures => ({
  clicks: 0,
  traced: 0,
  skipped: { bot: 0, budget: 0, duplicate: 0, paused: 0 },
  completed: 0,
  failed: 0,
  failedByClass: {},
  pending: 0,
  p50TraceMs: null,
  p95TraceMs: null,
  proxyBytes: 0,
  browserShare: null,
  ...f,
});

const stats = (extra: Partial<OfferStatsView> = {}): OfferStatsView => ({
  offerId: 'shoes',
  from: '2026-12-02T10:00:00.000Z',
  to: '2026-12-02T13:00:00.000Z',
  hours: [
    {
      hour: '2026-12-02T10',
      ...figures({
        clicks: 9,
        traced: 6,
        skipped: { bot: 2, budget: 1, duplicate: 0, paused: 0 },
        completed: 4,
        failed: 2,
        failedByClass: { proxy: 1, offer: 1 },
        p50TraceMs: 450,
        p95TraceMs: 2100,
        proxyBytes: 1_572_864,
        browserShare: 0.25,
      }),
    },
    { hour: '2026-12-02T11', ...figures() },
    { hour: '2026-12-02T12', ...figures({ clicks: 1, skipped: { bot: 0, budget: 0, duplicate: 0, paused: 1 } }) },
  ],
  totals: figures({
    clicks: 10,
    traced: 6,
    skipped: { bot: 2, budget: 1, duplicate: 0, paused: 1 },
    completed: 4,
    failed: 2,
    failedByClass: { proxy: 1, offer: 1 },
    p50TraceMs: 450,
    p95TraceMs: 2100,
    proxyBytes: 1_572_864,
    browserShare: 0.25,
  }),
  tracesRead: 6,
  capped: false,
  skipsSince: '2026-11-30T14:00:00.000Z',
  ...extra,
});

describe('offers stats', () => {
  it('asks for the last 24 hours by default and prints the hours with clicks, then the totals', async () => {
    const r = await runCli(['offers', 'stats', 'shoes'], () => ({ status: 200, body: stats() }));
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => `${q.method} ${q.url}`)).toEqual(['GET http://admin.test/admin/offers/shoes/stats?from=24h']);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('offer shoes, 2026-12-02 10:00 to 2026-12-02 13:00 UTC');
    expect(lines[2]).toMatch(/^HOUR \(UTC\)\s+CLICKS\s+TRACED\s+BOT\s+BUDGET\s+DUP\s+PAUSED\s+OK\s+FAILED\s+P50 MS\s+P95 MS\s+PROXY\s+BROWSER\s+FAILURES$/);
    expect(lines[3]).toMatch(/^2026-12-02 10:00\s+9\s+6\s+2\s+1\s+0\s+0\s+4\s+2\s+450\s+2100\s+1\.5 MB\s+25%\s+offer 1, proxy 1$/);
    // 11:00 had nothing: hidden.
    expect(lines[4]).toMatch(/^2026-12-02 12:00\s+1\s+0\s+0\s+0\s+0\s+1\s+0\s+0\s+-\s+-\s+0 B\s+-$/);
    expect(lines[5]).toMatch(/^total\s+10\s+6\s+2\s+1\s+0\s+1\s+4\s+2\s+450\s+2100\s+1\.5 MB\s+25%\s+offer 1, proxy 1$/);
    expect(lines.at(-1)).toBe('total: 10 clicks, 6 traced, 4 completed, 2 failed, p50 450 ms, p95 2100 ms (trace time), 1.5 MB through proxies, browser 25%');
    expect(r.out).not.toContain('2026-12-02 11:00');
    expect(r.err).toBe('');
  });

  it('lists every hour with --all-hours, and sends --from and --to as given', async () => {
    const r = await runCli(['offers', 'stats', 'shoes', '--from', '2026-12-02T10:00:00Z', '--to', '1h', '--all-hours'], () => ({ status: 200, body: stats() }));
    expect(r.exitCode).toBe(0);
    expect(new URL(r.requests[0]!.url).searchParams.toString()).toBe('from=2026-12-02T10%3A00%3A00Z&to=1h');
    expect(r.out).toMatch(/^2026-12-02 11:00\s+0\s+0/m);
  });

  it('prints the route answer with --json', async () => {
    const body = stats();
    const r = await runCli(['offers', 'stats', 'shoes', '--json'], () => ({ status: 200, body }));
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.out)).toEqual(body);
  });

  it('says when the traces read were capped', async () => {
    const r = await runCli(['offers', 'stats', 'shoes'], () => ({ status: 200, body: stats({ capped: true, tracesRead: 10_000 }) }));
    expect(r.exitCode).toBe(0);
    expect(r.err).toMatch(/more traces than were read \(10000\)/);
  });

  it('exits 1 on an unknown offer or a bad range, 2 when the API fails', async () => {
    const missing = await runCli(['offers', 'stats', 'nope'], () => ({ status: 404, body: { error: 'not_found', message: 'offer nope not found' } }));
    expect(missing.exitCode).toBe(1);
    expect(missing.err).toMatch(/offer nope not found/);
    const range = await runCli(['offers', 'stats', 'shoes', '--from', '30d', '--json'], () => ({
      status: 400,
      body: { error: 'bad_request', message: 'range too long: at most 7 days, the time traces are kept' },
    }));
    expect(range.exitCode).toBe(1);
    expect(range.err).toMatch(/at most 7 days/);
    const down = await runCli(['offers', 'stats', 'shoes'], () => ({ status: 503, body: { message: 'unavailable' } }));
    expect(down.exitCode).toBe(2);
  });

  it('formats bytes', () => {
    expect([0, 1023, 1024, 15_360, 1_572_864, 5 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KB', '15 KB', '1.5 MB', '5.0 GB']);
  });
});
