/** `tracepool metrics campaign <id> [--account]` and `tracepool metrics campaigns`, through the whole CLI. */
import { runCli } from './run-cli';

const C = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
const mapping = { campaign_id: C, account_id: 'acct-42', updated_at: '2026-11-23T10:00:00.000Z' };

test('campaign <id> reads the mapping with a GET and prints it', async () => {
  const r = await runCli(['metrics', 'campaign', C], () => ({ status: 200, body: mapping }));
  expect(r.requests.map((q) => `${q.method} ${q.url}`)).toEqual([`GET http://admin.test/admin/analytics/campaigns/${C}`]);
  expect(r.exitCode).toBe(0);
  expect(r.out).toContain(`campaign ${C} → account acct-42`);
});

test('campaign <id> --account sets it with a PUT of { accountId }, --json prints the API body', async () => {
  const r = await runCli(['metrics', 'campaign', C, '--account', 'acct-42', '--json'], () => ({ status: 200, body: mapping }));
  expect(r.requests).toHaveLength(1);
  expect(r.requests[0]).toMatchObject({ method: 'PUT', url: `http://admin.test/admin/analytics/campaigns/${C}` });
  expect(JSON.parse(r.requests[0]!.body!)).toEqual({ accountId: 'acct-42' });
  expect(JSON.parse(r.out)).toEqual(mapping);
  expect(r.exitCode).toBe(0);
});

test('campaign <id> of an unmapped campaign: exit 1 with the API message', async () => {
  const r = await runCli(['metrics', 'campaign', C], () => ({ status: 404, body: { error: 'not_found', message: `campaign ${C} has no account mapping` } }));
  expect(r.exitCode).toBe(1);
  expect(r.err).toContain('has no account mapping');
  expect(r.out).toBe('');
});

test('campaigns lists the mappings as a table, with the next page cursor; --limit and --cursor go to the query', async () => {
  const r = await runCli(['metrics', 'campaigns', '--limit', '1', '--cursor', 'abc'], () => ({ status: 200, body: { items: [mapping], next_cursor: 'xyz' } }));
  expect(r.requests.map((q) => q.url)).toEqual(['http://admin.test/admin/analytics/campaigns?limit=1&cursor=abc']);
  expect(r.out).toMatch(new RegExp(`${C}\\s+acct-42`));
  expect(r.out).toContain('--cursor xyz');
});

test('campaigns --json prints the API body; an empty list says so in text', async () => {
  const json = await runCli(['metrics', 'campaigns', '--json'], () => ({ status: 200, body: { items: [] } }));
  expect(JSON.parse(json.out)).toEqual({ items: [] });
  const text = await runCli(['metrics', 'campaigns'], () => ({ status: 200, body: { items: [] } }));
  expect(text.out).toContain('(no campaign mapped)');
});

test('an unreachable API exits 2', async () => {
  const r = await runCli(['metrics', 'campaigns'], () => new TypeError('fetch failed'));
  expect(r.exitCode).toBe(2);
});
