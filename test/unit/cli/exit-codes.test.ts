/**
 * The exit-code contract of every command that calls the admin API: 0 ok, 1 rejected input (a 4xx
 * answer, invalid arguments), 2 unreachable (a network error, a 5xx, a timeout); with --json the
 * error is a JSON document on stderr. `health` is the exception: its codes are the pool's state.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type Reply } from './run-cli';

const dir = mkdtempSync(path.join(tmpdir(), 'tracepool-cli-'));
const offerFile = path.join(dir, 'shoes.json');
const ipsFile = path.join(dir, 'ips.csv');
writeFileSync(offerFile, JSON.stringify({ redirectUrl: 'https://shop.example/', trackingUrl: 'https://aff.example/c' }));
writeFileSync(ipsFile, 'host,port,country,provider\n10.0.0.1,8080,us,luna\n');

const families: Record<string, string[]> = {
  'offers put': ['offers', 'put', offerFile],
  'offers get': ['offers', 'get', 'shoes'],
  'ips import': ['ips', 'import', ipsFile],
  'ips list': ['ips', 'list'],
  'ips reset-health': ['ips', 'reset-health', 'ip-1'],
  'traces list': ['traces', 'list'],
  'traces get': ['traces', 'get', 't-1'],
  'traces show': ['traces', 'show', 't-1'],
  'traces requeue': ['traces', 'requeue', '--all', '--status', 'failed'],
  'metrics hourly': ['metrics', 'hourly', '--campaign', 'c1'],
  'metrics campaign': ['metrics', 'campaign', 'c1'],
  'metrics campaign --account': ['metrics', 'campaign', 'c1', '--account', 'acct-1'],
  'metrics campaigns': ['metrics', 'campaigns'],
  'dlq redrive': ['dlq', 'redrive'],
  'trackier create': ['trackier', 'create', '--offer', 'o', '--pairs', '1', '--advertiser', '7'],
  'trackier stats': ['trackier', 'stats', 'o'],
  'trackier pairs': ['trackier', 'pairs', 'o'],
  'trackier pair': ['trackier', 'pair', 'o', '1', '--enable'],
};

const rejected: Reply = { status: 400, body: { error: 'bad_request', message: 'the API says no' } };
const failing: Reply = { status: 503, body: { error: 'unavailable', message: 'try later' } };
const unreachable: Reply = new TypeError('fetch failed');
const timedOut: Reply = new DOMException('The operation was aborted due to timeout', 'TimeoutError');

describe.each(Object.entries(families))('%s', (_name, args) => {
  it('exits 1 on a 4xx, with the API message on stderr and nothing on stdout', async () => {
    const r = await runCli(args, () => rejected);
    expect(r.exitCode).toBe(1);
    expect(r.err).toMatch(/^error: .*HTTP 400: the API says no.*\n {2}\{/);
    expect(r.out).toBe('');
  });

  it('exits 2 on a 5xx, a network error and a timeout', async () => {
    expect((await runCli(args, () => failing)).exitCode).toBe(2);
    const down = await runCli(args, () => unreachable);
    expect(down.exitCode).toBe(2);
    expect(down.err).toBe('error: fetch failed — is the local stack running (npm start)?\n');
    expect((await runCli(args, () => timedOut)).exitCode).toBe(2);
  });

  it('--json puts the error on stderr as JSON, the API error included', async () => {
    const r = await runCli([...args, '--json'], () => rejected);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.err)).toEqual({
      error: { message: expect.stringContaining('the API says no'), exitCode: 1, details: { error: 'bad_request', message: 'the API says no' } },
    });
    expect(r.out).toBe('');
  });
});

test('health keeps its own codes: any answer without a document is 2, like unreachable', async () => {
  expect((await runCli(['health'], () => rejected)).exitCode).toBe(2);
  expect((await runCli(['health'], () => unreachable)).exitCode).toBe(2);
  const json = await runCli(['health', '--json'], () => failing);
  expect(json.exitCode).toBe(2);
  expect(JSON.parse(json.err).error).toMatchObject({ message: 'monitor answered: HTTP 503: try later', exitCode: 2 });
});

test('invalid arguments exit 1 before any call, as JSON with --json', async () => {
  const bad = await runCli(['ips', 'list', '--limit', '0'], () => ({ status: 200, body: { ips: [] } }));
  expect(bad.exitCode).toBe(1);
  expect(bad.requests).toEqual([]);
  expect(bad.err).toMatch(/^error: option '--limit <n>' argument '0' is invalid\. --limit must be a positive integer/);
  const json = await runCli(['traces', 'list', '--limit', '501', '--json'], () => ({ status: 200, body: { traces: [] } }));
  expect(json.exitCode).toBe(1);
  expect(JSON.parse(json.err).error).toMatchObject({ message: expect.stringContaining('--limit must be an integer from 1 to 500'), exitCode: 1 });
  const pairs = await runCli(['trackier', 'create', '--offer', 'o', '--pairs', '21', '--advertiser', '7'], () => ({ status: 200 }));
  expect(pairs.exitCode).toBe(1);
  expect(pairs.requests).toEqual([]);
  const file = await runCli(['ips', 'import', path.join(dir, 'missing.csv')], () => ({ status: 200 }));
  expect(file.exitCode).toBe(1);
  expect(file.err).toMatch(/^error: cannot read .*missing\.csv/);
});
