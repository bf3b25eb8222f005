import { Command } from 'commander';
import { registerTrackierCommands } from '../../../bin/commands/trackier';
import type { AdminClient, AdminResponse } from '../../../bin/commands/admin-client';

function fakeClient(responses: AdminResponse[]) {
  const requests: { method: string; path: string; body?: unknown }[] = [];
  const client: AdminClient = {
    baseUrl: 'http://127.0.0.1:3000',
    request: async (method, path, body) => {
      requests.push({ method, path, body });
      return responses.shift() as never;
    },
  };
  return { client, requests };
}

async function run(args: string[], responses: AdminResponse[]) {
  const { client, requests } = fakeClient(responses);
  const program = new Command('tracepool').exitOverride();
  // stdout and stderr in one stream, as an operator sees them; the chunks as written.
  const chunks: string[] = [];
  registerTrackierCommands(program, () => client, { stdout: (c) => void chunks.push(c), stderr: (c) => void chunks.push(c) });
  const exitCode = process.exitCode;
  try {
    await program.parseAsync(['node', 'tracepool', ...args]);
    return { requests, out: chunks.join('').replace(/\n$/, ''), chunks, exitCode: process.exitCode };
  } finally {
    process.exitCode = exitCode;
  }
}

const pair = {
  pairNumber: 1,
  name: 'o #1',
  enabled: true,
  url1CampaignId: '11',
  url2CampaignId: '12',
  webhookUrl: 'https://x/webhooks/trackier?token=T',
  webhook_count: 0,
  update_count: 0,
};

it('create repeats while in progress, then prints the pairs', async () => {
  const { requests, out } = await run(
    ['trackier', 'create', '--offer', 'o', '--pairs', '3', '--advertiser', '7'],
    [
      { status: 202, body: { status: 'in_progress', pairCount: 3, created: 4, reused: 0, pairs: [] } },
      { status: 201, body: { status: 'ready', pairCount: 3, created: 2, reused: 4, pairs: [pair] } },
    ],
  );
  expect(requests).toHaveLength(2);
  expect(requests[0]).toEqual({ method: 'POST', path: '/admin/trackier/offers', body: { offerId: 'o', pairs: 3, advertiserId: '7', publisherId: '1' } });
  expect(out).toContain('3 pair(s) ready (6 campaign(s) created');
  expect(out).toContain('webhook URL: https://x/webhooks/trackier?token=T');
});

it('create stops on an error and says how to resume', async () => {
  const { out, exitCode } = await run(
    ['trackier', 'create', '--offer', 'o', '--pairs', '2', '--advertiser', '7'],
    [{ status: 400, body: { error: 'bad_request', message: 'advertiser 7 not found' } }],
  );
  expect(out).toContain('run the same command again to resume');
  expect(exitCode).toBe(1);
  // Trackier down (a 5xx) is no rejected input: exit 2, with the same way to resume.
  const down = await run(['trackier', 'create', '--offer', 'o', '--pairs', '2', '--advertiser', '7'], [{ status: 502, body: { error: 'trackier_unavailable' } }]);
  expect(down.out).toContain('run the same command again to resume');
  expect(down.exitCode).toBe(2);
});

it('stats and pairs --csv', async () => {
  const stats = await run(
    ['trackier', 'stats', 'o'],
    [
      {
        status: 200,
        body: {
          total_pairs: 2,
          enabled_pairs: 2,
          total_webhook_count: 5,
          total_update_count: 3,
          latest_webhook: { iso: '2026-11-23T10:00:00.000Z', pairNumber: 2 },
          pairs: [],
        },
      },
    ],
  );
  expect(stats.requests[0]!.path).toBe('/admin/trackier/offers/o/stats');
  expect(stats.out).toContain('5 webhook(s), 3 update(s)');
  expect(stats.out).toContain('2026-11-23T10:00:00.000Z (pair 2)');
  const csv = await run(['trackier', 'pairs', 'o', '--csv'], [{ status: 200, body: 'offer_id,pair_number\r\no,1\r\n' }]);
  expect(csv.requests[0]!.path).toBe('/admin/trackier/offers/o/pairs.csv');
  expect(csv.chunks).toContain('offer_id,pair_number\r\no,1\r\n');
});

it('pair: PATCHes what the flags say and prints the signing key; without flags shows the pair', async () => {
  const signed = { ...pair, pairNumber: 2, requireSignature: true, signingKey: 'KEY-2' };
  const patched = await run(['trackier', 'pair', 'o', '2', '--require-signature', '--name', 'Two'], [{ status: 200, body: signed }]);
  expect(patched.requests[0]).toEqual({ method: 'PATCH', path: '/admin/trackier/offers/o/pairs/2', body: { name: 'Two', requireSignature: true } });
  expect(patched.out).toContain('signing key: KEY-2');
  const shown = await run(['trackier', 'pair', 'o', '2'], [{ status: 200, body: { pairs: [pair, signed] } }]);
  expect(shown.requests[0]).toMatchObject({ method: 'GET', path: '/admin/trackier/offers/o' });
  expect(shown.out).toContain('signing key: KEY-2');
  const unsigned = await run(['trackier', 'pair', 'o', '2', '--allow-unsigned', '--disable'], [{ status: 200, body: { ...pair, enabled: false } }]);
  expect(unsigned.requests[0]!.body).toEqual({ enabled: false, requireSignature: false });
  const conflict = await run(['trackier', 'pair', 'o', '2', '--require-signature'], [{ status: 409, body: { error: 'conflict' } }]);
  expect(conflict.exitCode).toBe(1);
});
