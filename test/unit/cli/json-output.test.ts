/** `--json` on every command that calls the admin API: one JSON document on stdout, nothing on stderr. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type Answer } from './run-cli';

const dir = mkdtempSync(path.join(tmpdir(), 'tracepool-json-'));
const offerFile = path.join(dir, 'shoes.json');
const ipsFile = path.join(dir, 'ips.csv');
writeFileSync(offerFile, JSON.stringify({ redirectUrl: 'https://shop.example/', trackingUrl: 'https://aff.example/c' }));
writeFileSync(ipsFile, 'host,port,country,provider\n10.0.0.1,8080,us,luna\n');

const offer = { offerId: 'shoes', redirectUrl: 'https://shop.example/', trackingUrl: 'https://aff.example/c' };
const ip = {
  ipId: 'ip-1',
  host: '10.0.0.1',
  port: 8080,
  provider: 'luna',
  country: 'us',
  state: 'available',
  fence: 0,
  successCount: 0,
  failureCount: 0,
  consecutiveFailures: 0,
};
const pair = { pairNumber: 1, name: 'o #1', enabled: true, webhookUrl: 'https://x/webhooks/trackier?token=T', webhook_count: 0, update_count: 0 };
const traces = { traces: [], count: 0, hint: 'send a click with -A' };
const hourly = { campaign_id: 'c1', from: 'a', to: 'b', hours: [], totals: { impressions: 0, clicks: 0, ctr: 0 } };
const pool = { health: 'healthy', checked_at: 'now', warnings: [] };
const stats = { total_pairs: 1, enabled_pairs: 1, total_webhook_count: 0, total_update_count: 0, latest_webhook: null, pairs: [] };

const cases: [string, string[], Answer, unknown][] = [
  ['offers put', ['offers', 'put', offerFile], { status: 201, body: offer }, { offerId: 'shoes', status: 'created', clickUrl: 'http://admin.test/c/shoes', offer }],
  ['offers get', ['offers', 'get', 'shoes'], { status: 200, body: offer }, offer],
  [
    'ips import',
    ['ips', 'import', ipsFile],
    { status: 200, body: { accepted: 1, upserted: 1, created: 1, updated: 0, rejected: [] } },
    { total: 1, accepted: 1, upserted: 1, created: 1, updated: 0, rejected: [] },
  ],
  ['ips list', ['ips', 'list'], { status: 200, body: { ips: [ip] } }, [ip]],
  ['ips reset-health', ['ips', 'reset-health'], { status: 200, body: { reset: 2, notFound: [] } }, { reset: 2, notFound: [] }],
  ['traces list', ['traces', 'list'], { status: 200, body: traces }, traces],
  ['traces get', ['traces', 'get', 't-1'], { status: 200, body: { traceId: 't-1', status: 'completed' } }, { traceId: 't-1', status: 'completed' }],
  ['metrics hourly', ['metrics', 'hourly', '--campaign', 'c1'], { status: 200, body: hourly }, hourly],
  ['health', ['health'], { status: 200, body: pool }, pool],
  [
    'dlq redrive',
    ['dlq', 'redrive'],
    { status: 202, body: { status: 'started', queue: 'trace', approximateMessages: 3 } },
    { status: 'started', queue: 'trace', approximateMessages: 3 },
  ],
  [
    'trackier create',
    ['trackier', 'create', '--offer', 'o', '--pairs', '1', '--advertiser', '7'],
    { status: 201, body: { status: 'ready', pairCount: 1, created: 2, reused: 0, pairs: [pair] } },
    { offerId: 'o', status: 'ready', pairCount: 1, created: 2, reused: 0, pairs: [pair] },
  ],
  ['trackier stats', ['trackier', 'stats', 'o'], { status: 200, body: stats }, stats],
  ['trackier pairs', ['trackier', 'pairs', 'o'], { status: 200, body: { pairs: [pair] } }, [pair]],
  ['trackier pair', ['trackier', 'pair', 'o', '1', '--name', 'One'], { status: 200, body: { ...pair, name: 'One' } }, { ...pair, name: 'One' }],
];

test.each(cases)('%s --json', async (_name, args, answer, expected) => {
  const r = await runCli([...args, '--json'], () => answer);
  expect(r.err).toBe('');
  expect(r.exitCode).toBe(0);
  expect(JSON.parse(r.out)).toEqual(expected);
});

test('the same commands without --json print text, not JSON', async () => {
  const list = await runCli(['ips', 'list'], () => ({ status: 200, body: { ips: [ip] } }));
  expect(list.out).toMatch(/^IP ID\s+ENDPOINT/);
  const put = await runCli(['offers', 'put', offerFile], () => ({ status: 200, body: offer }));
  expect(put.out).toBe('offer shoes updated\n  click URL: http://admin.test/c/shoes\n');
});

test('a redrive already running: the message on stderr, or its data as the JSON result; exit 1 either way', async () => {
  const conflict = { status: 409, body: { error: 'conflict', message: 'running', details: { task: { status: 'RUNNING', moved: 2, toMove: 9 } } } };
  const text = await runCli(['dlq', 'redrive'], () => conflict);
  expect(text).toMatchObject({ exitCode: 1, out: '', err: 'A redrive of the trace DLQ is already running: 2 of 9 moved so far.\n' });
  const json = await runCli(['dlq', 'redrive', '--json'], () => conflict);
  expect(json).toMatchObject({ exitCode: 1, err: '' });
  expect(JSON.parse(json.out)).toEqual({ status: 'already_running', queue: 'trace', task: { status: 'RUNNING', moved: 2, toMove: 9 } });
});
