/** `tracepool offers list|delete|restore|pause|resume|trace` through the whole CLI against a stubbed admin API. */
import { runCli, type Reply } from './run-cli';

const offer = (offerId: string, extra: Record<string, unknown> = {}) => ({
  offerId,
  redirectUrl: `https://${offerId}.example/`,
  tracePolicy: { enabled: true },
  resolution: { traceId: 't1', finalUrl: `https://land.example/${offerId}`, mode: 'http', at: Date.parse('2026-11-23T14:05:00Z') },
  last24h: { completed: 2, finished: 3, rate: 2 / 3, since: 0, capped: false },
  ...extra,
});

describe('offers list', () => {
  it('prints a table of offers with their tracing state, success rate and landing URL', async () => {
    const r = await runCli(['offers', 'list'], () => ({
      status: 200,
      body: { offers: [offer('shoes'), offer('hats', { pausedAt: 1, resolution: null, last24h: { completed: 0, finished: 0, rate: null, since: 0 } })], count: 2 },
    }));
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => `${q.method} ${q.url}`)).toEqual(['GET http://admin.test/admin/offers?limit=25']);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^OFFER\s+TRACING\s+24H OK\s+RESOLVED \(UTC\)\s+MODE\s+LANDING URL$/);
    expect(lines[1]).toMatch(/^shoes\s+on\s+67% \(2\/3\)\s+2026-11-23 14:05\s+http\s+https:\/\/land\.example\/shoes$/);
    expect(lines[2]).toMatch(/^hats\s+paused\s+-\s+-$/);
    expect(r.err).toBe('');
  });

  it('sends the filter, and with --all-pages follows the cursor to the end', async () => {
    const r = await runCli(['offers', 'list', '--q', 'shop', '--limit', '2', '--deleted', '--all-pages', '--json'], (url) =>
      new URL(url).searchParams.get('cursor') === 'c1'
        ? { status: 200, body: { offers: [offer('shop-c')], count: 1 } }
        : { status: 200, body: { offers: [offer('shop-a'), offer('shop-b', { deletedAt: 5 })], count: 2, nextCursor: 'c1' } },
    );
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => q.url)).toEqual([
      'http://admin.test/admin/offers?limit=2&q=shop&deleted=true',
      'http://admin.test/admin/offers?limit=2&q=shop&deleted=true&cursor=c1',
    ]);
    const result = JSON.parse(r.out) as { offers: { offerId: string }[]; count: number; nextCursor?: string };
    expect(result.offers.map((o) => o.offerId)).toEqual(['shop-a', 'shop-b', 'shop-c']);
    expect(result).toMatchObject({ count: 3 });
    expect(result).not.toHaveProperty('nextCursor');
  });

  it('without --all-pages stops at one page and says how to get the next', async () => {
    const r = await runCli(['offers', 'list', '--cursor', 'c0'], () => ({ status: 200, body: { offers: [offer('a')], count: 1, nextCursor: 'c1' } }));
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.url).toContain('cursor=c0');
    expect(r.err).toContain('more offers: --cursor c1');
  });

  it('rejects a limit out of range before calling the API (exit 1)', async () => {
    const r = await runCli(['offers', 'list', '--limit', '500'], () => ({ status: 200, body: {} }));
    expect(r.exitCode).toBe(1);
    expect(r.requests).toEqual([]);
  });
});

describe.each([
  ['delete', 'DELETE', '/admin/offers/shoes', /offer shoes deleted.*tracepool offers restore shoes/],
  ['restore', 'POST', '/admin/offers/shoes/restore', /offer shoes restored/],
  ['pause', 'POST', '/admin/offers/shoes/pause', /offer shoes paused/],
  ['resume', 'POST', '/admin/offers/shoes/resume', /offer shoes resumed/],
])('offers %s', (command, method, path, text) => {
  it('calls its route and says what happened; --json prints the offer', async () => {
    const r = await runCli(['offers', command, 'shoes'], () => ({ status: 200, body: { offerId: 'shoes' } }));
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => `${q.method} ${q.url}`)).toEqual([`${method} http://admin.test${path}`]);
    expect(r.out).toMatch(text);
    const json = await runCli(['offers', command, 'shoes', '--json'], () => ({ status: 200, body: { offerId: 'shoes', updatedAt: 7 } }));
    expect(JSON.parse(json.out)).toEqual({ offerId: 'shoes', updatedAt: 7 });
  });

  it('exits 1 on an unknown offer and 2 when the API fails', async () => {
    const missing = await runCli(['offers', command, 'nope'], () => ({ status: 404, body: { error: 'not_found', message: 'offer nope not found' } }));
    expect(missing.exitCode).toBe(1);
    expect(missing.err).toContain('HTTP 404: offer nope not found');
    expect((await runCli(['offers', command, 'shoes'], () => ({ status: 503, body: { message: 'down' } }))).exitCode).toBe(2);
  });
});

describe('offers trace', () => {
  const TRACE_ID = '019a0000-0000-7000-8000-000000000001';
  const completed = {
    traceId: TRACE_ID,
    offerId: 'shoes',
    status: 'completed',
    mode: 'http',
    finalUrl: 'https://land.example/shoes?gclid=x',
    hops: [
      { url: 'https://aff.example/click', kind: 'start', status: 302, ms: 12 },
      { url: 'https://land.example/shoes?gclid=x', kind: 'http', status: 200, ms: 30 },
    ],
    timings: { totalMs: 420 },
  };

  /** Answers the POST, then the trace's GETs in turn (the last one repeats). */
  function api(traceAnswers: Reply[]): (url: string) => Reply {
    let gets = 0;
    return (url) =>
      url.endsWith('/trace') ? { status: 202, body: { traceId: TRACE_ID, offerId: 'shoes', handOff: 'queued' } } : traceAnswers[Math.min(gets++, traceAnswers.length - 1)]!;
  }

  it('queues a trace with the country and device asked for, and prints its id', async () => {
    const r = await runCli(['offers', 'trace', 'shoes', '--country', 'FR', '--device', 'mobile'], api([]));
    expect(r.exitCode).toBe(0);
    expect(r.requests).toEqual([
      expect.objectContaining({ method: 'POST', url: 'http://admin.test/admin/offers/shoes/trace', body: JSON.stringify({ country: 'fr', device: 'mobile' }) }),
    ]);
    expect(r.out).toContain(`trace ${TRACE_ID} queued for offer shoes`);
  });

  it('rejects a bad country or device before calling the API', async () => {
    for (const args of [
      ['--country', 'FRA'],
      ['--device', 'tablet'],
    ]) {
      const r = await runCli(['offers', 'trace', 'shoes', ...args], api([]));
      expect(r.exitCode).toBe(1);
      expect(r.requests).toEqual([]);
    }
  });

  it('--wait polls the trace until it is final, then prints the hop chain and the landing URL', async () => {
    const r = await runCli(
      ['offers', 'trace', 'shoes', '--wait', '--poll-ms', '1'],
      api([
        { status: 404, body: {} },
        { status: 200, body: { ...completed, status: 'running', hops: undefined } },
        { status: 200, body: completed },
      ]),
    );
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
      'POST http://admin.test/admin/offers/shoes/trace',
      ...Array(3).fill(`GET http://admin.test/admin/traces/${TRACE_ID}`),
    ]);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ 0 {2}start\s+302\s+12 ms {2}https:\/\/aff\.example\/click$/);
    expect(lines[1]).toMatch(/^ 1 {2}http\s+200\s+30 ms {2}https:\/\/land\.example\/shoes\?gclid=x$/);
    expect(r.out).toContain(`trace ${TRACE_ID}: completed in 420 ms (http mode)`);
    expect(r.out).toContain('landing: https://land.example/shoes?gclid=x');
  });

  it('--wait exits 1 when the trace failed, printing its error', async () => {
    const failed = { ...completed, status: 'failed', finalUrl: undefined, error: { class: 'offer', message: 'upstream 500' } };
    const r = await runCli(['offers', 'trace', 'shoes', '--wait', '--poll-ms', '1'], api([{ status: 200, body: failed }]));
    expect(r.exitCode).toBe(1);
    expect(r.out).toContain('error (offer): upstream 500');
  });

  it('--wait --json prints the final trace record', async () => {
    const r = await runCli(['offers', 'trace', 'shoes', '--wait', '--poll-ms', '1', '--json'], api([{ status: 200, body: completed }]));
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.out)).toEqual(completed);
  });

  it('--wait gives up after --timeout with exit 2', async () => {
    const r = await runCli(['offers', 'trace', 'shoes', '--wait', '--timeout', '1', '--poll-ms', '400'], api([{ status: 200, body: { ...completed, status: 'running' } }]));
    expect(r.exitCode).toBe(2);
    expect(r.err).toMatch(/not final after 1 s \(status running\)/);
  });

  it('exits 1 on an unknown or deleted offer', async () => {
    const r = await runCli(['offers', 'trace', 'gone'], () => ({ status: 404, body: { error: 'not_found', message: 'offer gone not found' } }));
    expect(r.exitCode).toBe(1);
    expect(r.err).toContain('offer gone not found');
  });
});
