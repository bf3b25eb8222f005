/** `tracepool health --history`: the request it makes, its text and JSON views, its exit codes. */
import { formatHistory, historyRows, sparkline } from '../../../bin/commands/health';
import type { HistoryPoint, PoolHistory } from '../../../lambdas/ops/pool-history';
import { runCli } from './run-cli';

const point = (i: number, utilizationPct: number, successRatePct: number | null): HistoryPoint => ({
  at: new Date(Date.UTC(2026, 11, 1, 0, 5 * i)).toISOString(),
  utilizationPct,
  successRatePct,
  tracesPerMinute: 2,
  total: 4,
  healthy: 4,
  available: 3,
  leased: 1,
  cooldown: 0,
  unhealthy: 0,
  disabled: 0,
  expiredLeases: 0,
});
const history = (points: HistoryPoint[]): PoolHistory => ({
  from: '2026-12-01T00:00:00.000Z',
  to: '2026-12-02T00:00:00.000Z',
  intervalMinutes: 5,
  points,
  summary: { snapshots: points.length, utilizationPct: { avg: 50, min: 0, max: 100 }, successRatePct: null, tracesPerMinute: null },
});

test('asks for the range given, in the forms the API takes', async () => {
  const r = await runCli(['health', '--history', '--from', '6h', '--to', '2026-12-01T12:00:00Z'], () => ({ status: 200, body: history([]) }));
  expect(r.exitCode).toBe(0);
  expect(r.requests.map((q) => q.url)).toEqual(['http://admin.test/admin/pool/history?from=6h&to=2026-12-01T12%3A00%3A00Z']);
  expect(r.out).toMatch(/^No pool snapshots from/);
});

test('--json prints the API document as it came; a bad range is exit 1, an unreachable API 2', async () => {
  const body = history([point(0, 10, 100)]);
  const ok = await runCli(['health', '--history', '--json'], () => ({ status: 200, body }));
  expect({ code: ok.exitCode, err: ok.err, out: JSON.parse(ok.out) }).toEqual({ code: 0, err: '', out: body });
  const bad = await runCli(['health', '--history', '--from', 'x'], () => ({ status: 400, body: { error: 'bad_request', message: 'from must be …' } }));
  expect(bad.exitCode).toBe(1);
  expect(bad.err).toMatch(/from must be/);
  expect((await runCli(['health', '--history'], () => new TypeError('fetch failed'))).exitCode).toBe(2);
});

test('--from without --history is refused before any request', async () => {
  const r = await runCli(['health', '--from', '6h'], () => ({ status: 200, body: {} }));
  expect(r.exitCode).toBe(1);
  expect(r.requests).toEqual([]);
});

test('a day of snapshots becomes 48 rows of merged slices, with sparklines', () => {
  const points = Array.from({ length: 288 }, (_, i) => point(i, i < 144 ? 0 : 100, i % 2 ? null : 90));
  const rows = historyRows(points);
  expect(rows).toHaveLength(48);
  expect(rows[0]).toMatchObject({ at: points[0]!.at, utilizationPct: 0, successRatePct: 90 });
  expect(rows[47]).toMatchObject({ utilizationPct: 100 });
  const text = formatHistory(history(points));
  expect(text).toContain('288 snapshot(s), 6 per row');
  expect(text).toMatch(/Utilization {2}▁{24}█{24} /);
  expect(text.split('\n').filter((l) => /^2026-12-01 \d\d:\d\d/.test(l))).toHaveLength(48);
});

test('sparkline: 0 % is the lowest bar, 100 % the highest, no data a gap', () => {
  expect(sparkline([0, 50, 100, null, 150, -5])).toBe('▁▅█ █▁');
});
