/** `tracepool traces list|get` against a fake admin API: the query it sends, the table, the bot-skip hint. */
import { Command } from 'commander';
import { registerTracesCommands } from '../../../bin/commands/traces';
import type { AdminClient, AdminResponse } from '../../../bin/commands/admin-client';

async function run(args: string[], response: AdminResponse) {
  const requests: { method: string; path: string }[] = [];
  const client: AdminClient = {
    baseUrl: 'http://127.0.0.1:3000',
    request: async (method, path) => {
      requests.push({ method, path });
      return response as never;
    },
  };
  const program = new Command('tracepool').exitOverride();
  const out: string[] = [];
  const err: string[] = [];
  registerTracesCommands(program, () => client, { stdout: (c) => void out.push(c), stderr: (c) => void err.push(c) });
  const exitCode = process.exitCode;
  const text = (chunks: string[]) => chunks.join('').replace(/\n$/, '');
  try {
    await program.parseAsync(['node', 'tracepool', ...args]);
    return { requests, out: text(out), err: text(err), exitCode: process.exitCode };
  } finally {
    process.exitCode = exitCode;
  }
}

const HINT = "3 clicks on offer demo since 13:00 UTC were redirected but not traced: … curl -A 'Mozilla/5.0 …' …";

it("lists an offer's traces as a table", async () => {
  const { requests, out, err } = await run(['traces', 'list', '--offer', 'demo', '--limit', '5'], {
    status: 200,
    body: {
      count: 2,
      traces: [
        {
          traceId: '019a0000-0000-7000-8000-000000000001',
          offerId: 'demo',
          status: 'completed',
          attempts: 1,
          mode: 'http',
          createdAt: Date.parse('2026-11-23T14:05:00Z'),
          finalUrl: 'http://127.0.0.1:3000/demo/landing?gclid=g',
        },
        {
          traceId: '019a0000-0000-7000-8000-000000000002',
          offerId: 'demo',
          status: 'retry_scheduled',
          attempts: 1,
          createdAt: Date.parse('2026-11-23T14:04:00Z'),
          error: { class: 'proxy', message: 'proxy refused' },
        },
      ],
    },
  });
  expect(requests).toEqual([{ method: 'GET', path: '/admin/traces?limit=5&offerId=demo' }]);
  expect(out.split('\n')[0]).toMatch(/^TRACE ID\s+OFFER\s+STATUS\s+TRIES\s+MODE\s+CLICKED \(UTC\)\s+FINAL URL \/ ERROR$/);
  expect(out).toContain('completed');
  expect(out).toContain('2026-11-23 14:05:00');
  expect(out).toContain('http://127.0.0.1:3000/demo/landing?gclid=g');
  expect(out).toContain('proxy: proxy refused');
  expect(err).toBe('');
});

it("prints the API's bot-skip hint under an empty list", async () => {
  const { out, err } = await run(['traces', 'list', '--offer', 'demo'], {
    status: 200,
    body: { traces: [], count: 0, botSkipped: { count: 3, since: '2026-11-23T13:00:00.000Z' }, hint: HINT },
  });
  expect(out).toBe('no traces');
  expect(err).toBe(`\nhint: ${HINT}`);
});

it('--json prints the response, hint included; a rejected query exits 1', async () => {
  const body = { traces: [], count: 0, hint: HINT };
  expect(JSON.parse((await run(['traces', 'list', '--json'], { status: 200, body })).out)).toEqual(body);
  const rejected = await run(['traces', 'list', '--offer', 'bad id'], { status: 400, body: { error: 'bad_request', message: 'invalid offerId' } });
  expect(rejected.exitCode).toBe(1);
  expect(rejected.err).toContain('invalid offerId');
});
