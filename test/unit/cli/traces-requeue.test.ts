/**
 * `tracepool traces requeue` and `tracepool traces show` through the whole CLI, the admin API
 * stubbed: the pages it asks for, its progress (drawn in place on a terminal, plain lines
 * otherwise, none with --json), its summary and exit codes; the hop chain as a tree.
 */
import { runCli, type Reply } from './run-cli';

const URL = 'http://admin.test/admin/traces/requeue';
const id = (n: number) => `019a0000-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** Answers each page by its cursor: `pages[i]` for the i-th call, with a cursor to the next while any remain. */
function paged(pages: { processed: number; requeued: number; skipped: number; failed: number }[]) {
  return (url: string, body?: string): Reply => {
    if (url !== URL) return { status: 404, body: { error: 'not_found', message: url } };
    const cursor = (JSON.parse(body ?? '{}') as { cursor?: string }).cursor;
    const i = cursor ? Number(cursor.slice(1)) : 0;
    const page = pages[i];
    if (!page) return { status: 400, body: { error: 'bad_request', message: 'invalid cursor' } };
    return { status: 200, body: { ...page, ...(i + 1 < pages.length ? { cursor: `c${i + 1}` } : {}) } };
  };
}

const PAGES = [
  { processed: 100, requeued: 98, skipped: 2, failed: 0 },
  { processed: 30, requeued: 30, skipped: 0, failed: 0 },
];

describe('traces requeue', () => {
  it('loops over the pages with the cursor, prints the summary; plain progress lines when stderr is not a terminal', async () => {
    const r = await runCli(['traces', 'requeue', '--all', '--status', 'dead_lettered', '--since', '6h'], paged(PAGES));
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => [q.method, q.url, JSON.parse(q.body!)])).toEqual([
      ['POST', URL, { all: true, status: 'dead_lettered', since: '6h' }],
      ['POST', URL, { all: true, status: 'dead_lettered', since: '6h', cursor: 'c1' }],
    ]);
    expect(r.out).toBe('processed 130  requeued 128  skipped 2  failed 0\n');
    expect(r.err).toBe(
      'requeue 100 processed: 98 requeued, 2 skipped, 0 failed\n' + //
        'requeue 130 processed: 128 requeued, 2 skipped, 0 failed\n',
    );
    expect(r.err).not.toContain('\r');
  });

  it('draws a progress bar in place on a terminal, and ends its line', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => id(i));
    const reply = (_url: string, body?: string): Reply => {
      const n = (JSON.parse(body!) as { traceIds: string[] }).traceIds.length;
      return { status: 200, body: { processed: n, requeued: n, skipped: 0, failed: 0 } };
    };
    const r = await runCli(['traces', 'requeue', '--ids', ids.join(',')], reply, {}, { stderrIsTty: true });
    expect(r.exitCode).toBe(0);
    // At most 100 ids per call.
    expect(r.requests.map((q) => (JSON.parse(q.body!) as { traceIds: string[] }).traceIds.length)).toEqual([100, 50]);
    const frames = r.err.split('\r\x1b[2K').filter(Boolean);
    expect(frames).toEqual([
      `requeue [${'#'.repeat(16)}${'-'.repeat(8)}] 100/150 · 100 processed: 100 requeued, 0 skipped, 0 failed`,
      `requeue [${'#'.repeat(24)}] 150/150 · 150 processed: 150 requeued, 0 skipped, 0 failed\n`,
    ]);
    expect(r.out).toBe('processed 150  requeued 150  skipped 0  failed 0\n');
  });

  it('--json prints nothing but the final JSON, even on a terminal', async () => {
    const r = await runCli(['traces', 'requeue', '--offer', 'shoes', '--status', 'failed', '--json'], paged(PAGES), {}, { stderrIsTty: true });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ processed: 130, requeued: 128, skipped: 2, failed: 0 });
    expect(r.err).toBe('');
    expect(JSON.parse(r.requests[0]!.body!)).toEqual({ offerId: 'shoes', status: 'failed' });
  });

  it('exits 2 when traces failed on the service side, the summary printed all the same', async () => {
    const r = await runCli(['traces', 'requeue', '--ids', `${id(1)},${id(2)}`], () => ({ status: 200, body: { processed: 2, requeued: 1, skipped: 0, failed: 1 } }));
    expect(r.exitCode).toBe(2);
    expect(r.out).toBe('processed 2  requeued 1  skipped 0  failed 1\n');
    const json = await runCli(['traces', 'requeue', '--ids', id(1), '--json'], () => ({ status: 200, body: { processed: 1, requeued: 0, skipped: 0, failed: 1 } }));
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.out)).toEqual({ processed: 1, requeued: 0, skipped: 0, failed: 1 });
  });

  it('a rejected page exits 1; a 5xx after some pages exits 2 and says how far it got', async () => {
    const rejected = await runCli(['traces', 'requeue', '--all', '--status', 'timeout'], () => ({
      status: 400,
      body: { error: 'bad_request', message: 'since is in the future' },
    }));
    expect(rejected.exitCode).toBe(1);
    expect(rejected.err).toMatch(/^error: requeue: HTTP 400: since is in the future\n/);
    expect(rejected.out).toBe('');
    const midway = await runCli(['traces', 'requeue', '--all', '--status', 'failed'], (_url, body) =>
      JSON.parse(body!).cursor ? { status: 503, body: { message: 'try later' } } : { status: 200, body: { ...PAGES[0], cursor: 'c1' } },
    );
    expect(midway.exitCode).toBe(2);
    expect(midway.err).toContain('error: requeue: HTTP 503: try later (after processed 100  requeued 98  skipped 2  failed 0)');
    expect(midway.out).toBe('');
    const down = await runCli(['traces', 'requeue', '--all', '--status', 'failed', '--json'], () => new TypeError('fetch failed'));
    expect(down.exitCode).toBe(2);
    expect(JSON.parse(down.err).error).toMatchObject({ exitCode: 2, message: expect.stringContaining('fetch failed') });
  });

  it.each([
    [[], /give exactly one of --ids, --offer or --all/],
    [['--all', '--offer', 'shoes', '--status', 'failed'], /give exactly one of/],
    [['--offer', 'shoes'], /--offer needs --status/],
    [['--ids', id(1), '--status', 'failed'], /not with --ids/],
    [['--ids', ' , '], /--ids needs at least one trace id/],
    [['--all', '--status', 'completed'], /argument 'completed' is invalid/],
  ])('invalid arguments %j exit 1 before any call', async (args, message) => {
    const r = await runCli(['traces', 'requeue', ...args], paged(PAGES));
    expect(r.exitCode).toBe(1);
    expect(r.requests).toEqual([]);
    expect(r.err).toMatch(message);
  });
});

describe('traces show', () => {
  const trace = {
    traceId: id(7),
    offerId: 'shoes',
    status: 'completed',
    attempts: 7,
    requeues: 1,
    mode: 'browser',
    outcome: 'resolved',
    finalUrl: 'https://shop.example/landing?gclid=g',
    createdAt: 0,
    timings: { totalMs: 2100, traceMs: 1800 },
    hops: [
      { url: 'https://aff.example/c?gclid=g', status: 302, kind: 'start', ms: 120 },
      { url: 'https://net.example/r', status: 200, kind: 'js', ms: 640 },
      { url: 'https://shop.example/landing?gclid=g', status: 200, kind: 'browser', ms: 900 },
    ],
  };

  it('prints status, mode, failure and landing URL, and the hops as a tree', async () => {
    const r = await runCli(['traces', 'show', id(7)], () => ({ status: 200, body: trace }));
    expect(r.exitCode).toBe(0);
    expect(r.requests.map((q) => q.url)).toEqual([`http://admin.test/admin/traces/${id(7)}`]);
    expect(r.out).toBe(
      [
        `trace    ${id(7)}`,
        'offer    shoes',
        'status   completed (attempts 7, requeued 1×)',
        'mode     browser (outcome resolved)',
        'failure  -',
        'landing  https://shop.example/landing?gclid=g',
        'timing   2100 ms from click to result (tracing 1800 ms)',
        'hops (3)',
        'https://aff.example/c?gclid=g  [start, 302, 120 ms]',
        '└─ https://net.example/r  [js, 200, 640 ms]',
        '   └─ https://shop.example/landing?gclid=g  [browser, 200, 900 ms]',
        '',
      ].join('\n'),
    );
  });

  it('names the failure class of a failed trace; --json prints the record', async () => {
    const failed = {
      ...trace,
      status: 'dead_lettered',
      requeues: undefined,
      mode: undefined,
      outcome: undefined,
      finalUrl: undefined,
      hops: [],
      error: { class: 'offer', message: 'upstream answered 500' },
    };
    const r = await runCli(['traces', 'show', id(7)], () => ({ status: 200, body: failed }));
    expect(r.out).toContain('status   dead_lettered (attempts 7)\n');
    expect(r.out).toContain('failure  offer: upstream answered 500\n');
    expect(r.out).toContain('landing  -\n');
    expect(r.out).toContain('hops     none recorded\n');
    const json = await runCli(['traces', 'show', id(7), '--json'], () => ({ status: 200, body: trace }));
    expect(JSON.parse(json.out)).toEqual(trace);
    const missing = await runCli(['traces', 'show', id(8)], () => ({ status: 404, body: { error: 'not_found', message: `trace ${id(8)} not found` } }));
    expect(missing.exitCode).toBe(1);
  });
});
