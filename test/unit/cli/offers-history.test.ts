/** `tracepool offers resolution|history` through the whole CLI against a stubbed admin API. */
import { runCli } from './run-cli';

const entry = (landing: string, extra: Record<string, unknown> = {}) => ({
  landing,
  paramNames: ['gclid', 'v'],
  changed: {},
  firstSeen: Date.parse('2026-11-01T10:00:00Z'),
  lastSeen: Date.parse('2026-11-20T12:30:00Z'),
  count: 42,
  lastTraceId: 't9',
  mode: 'http',
  ...extra,
});

describe('offers resolution', () => {
  it('prints the landing, parameters, mode, when last traced and the 24-hour success rate', async () => {
    const r = await runCli(['offers', 'resolution', 'shoes'], () => ({
      status: 200,
      body: {
        offerId: 'shoes',
        resolution: {
          finalUrl: 'https://land.example/?v=2',
          params: { v: '2' },
          mode: 'browser',
          lastTracedAt: Date.parse('2026-11-23T14:05:00Z'),
          traceId: 't1',
          source: 'traces',
        },
        last24h: { completed: 3, finished: 4, rate: 0.75, since: 0 },
      },
    }));
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => `${q.method} ${q.url}`)).toEqual(['GET http://admin.test/admin/offers/shoes/resolution']);
    expect(r.out).toContain('landing:      https://land.example/?v=2');
    expect(r.out).toContain('mode:         browser');
    expect(r.out).toContain('2026-11-23 14:05 UTC (trace t1)');
    expect(r.out).toContain('24h success:  75% (3/4)');
    expect(r.out).toContain('v=2');
  });

  it('an unknown offer exits 1 with the API message', async () => {
    const r = await runCli(['offers', 'resolution', 'nobody'], () => ({ status: 404, body: { error: 'NotFound', message: 'offer nobody not found' } }));
    expect(r.exitCode).toBe(1);
    expect(r.err).toContain('offer nobody not found');
  });
});

describe('offers history', () => {
  it('prints a compact table, newest first, with the changed parameters', async () => {
    const r = await runCli(['offers', 'history', 'shoes'], () => ({
      status: 200,
      body: { offerId: 'shoes', entries: [entry('https://land.example/?v=2', { changed: { v: { from: '1', to: '2' } }, count: 3 }), entry('https://land.example/?v=1')] },
    }));
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => q.url)).toEqual(['http://admin.test/admin/offers/shoes/history?limit=20']);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^FIRST SEEN \(UTC\)\s+LAST SEEN \(UTC\)\s+COUNT\s+LANDING\s+CHANGED$/);
    expect(lines[1]).toMatch(/^2026-11-01 10:00\s+2026-11-20 12:30\s+3\s+https:\/\/land\.example\/\?v=2\s+v: 1→2$/);
    expect(lines[2]).toMatch(/^2026-11-01 10:00\s+2026-11-20 12:30\s+42\s+https:\/\/land\.example\/\?v=1\s+-$/);
  });

  it('--all-pages --json follows the cursor and answers every entry', async () => {
    const r = await runCli(['offers', 'history', 'shoes', '--limit', '1', '--all-pages', '--json'], (url) =>
      new URL(url).searchParams.get('cursor') === 'c1'
        ? { status: 200, body: { entries: [entry('https://b.example/')] } }
        : { status: 200, body: { entries: [entry('https://a.example/')], nextCursor: 'c1' } },
    );
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => q.url)).toEqual(['http://admin.test/admin/offers/shoes/history?limit=1', 'http://admin.test/admin/offers/shoes/history?limit=1&cursor=c1']);
    const result = JSON.parse(r.out) as { entries: { landing: string }[]; count: number };
    expect(result.entries.map((e) => e.landing)).toEqual(['https://a.example/', 'https://b.example/']);
    expect(result.count).toBe(2);
  });

  it('without --all-pages says how to get the next page; an unreachable API exits 2', async () => {
    const r = await runCli(['offers', 'history', 'shoes'], () => ({ status: 200, body: { entries: [entry('https://a.example/')], nextCursor: 'c1' } }));
    expect(r.requests).toHaveLength(1);
    expect(r.err).toContain('more entries: --cursor c1');
    const down = await runCli(['offers', 'history', 'shoes'], () => ({ status: 503, body: { message: 'down' } }));
    expect(down.exitCode).toBe(2);
  });
});
