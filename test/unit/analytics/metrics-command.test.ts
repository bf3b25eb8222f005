import { Command } from 'commander';
import { registerMetricsCommand } from '../../../bin/commands/metrics';
import type { AdminClient, AdminResponse } from '../../../bin/commands/admin-client';

const body = {
  campaign_id: 'c1',
  from: '2026-11-23T00:00:00Z',
  to: '2026-11-23T23:00:00Z',
  hours: [{ hour: '2026-11-23T10:00:00Z', ad_unit_id: 'u1', impressions: 200, clicks: 5, ctr: 0.025, requests: 205, revenue_cents: 1234, accounts: ['acct-1'] }],
  totals: { impressions: 200, clicks: 5, ctr: 0.025, requests: 205, revenue_cents: 1234 },
};

/** A recording AdminClient (the CLI's own port, not an SDK). */
function fakeClient(response: AdminResponse): { client: AdminClient; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    client: {
      baseUrl: 'http://127.0.0.1:3000',
      request: async <T>(method: string, path: string) => {
        calls.push(`${method} ${path}`);
        return response as AdminResponse<T>;
      },
    },
  };
}

async function run(args: string[], response: AdminResponse) {
  const { client, calls } = fakeClient(response);
  const program = new Command().exitOverride();
  registerMetricsCommand(program, () => client);
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const exitCode = process.exitCode;
  try {
    await program.parseAsync(['node', 'tracepool', ...args]);
    return { out, err, calls, exitCode: process.exitCode };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = exitCode;
  }
}

test('calls GET /admin/metrics/hourly with the options and prints a table', async () => {
  const r = await run(['metrics', 'hourly', '--campaign', 'c1', '--from', '2026-11-23', '--to', '2026-11-23T23'], { status: 200, body });
  expect(r.calls).toEqual(['GET /admin/metrics/hourly?campaign_id=c1&from=2026-11-23&to=2026-11-23T23']);
  expect(r.out).toContain('2026-11-23T10:00:00Z');
  expect(r.out).toMatch(/u1\s+acct-1\s+205\s+200\s+5\s+2\.50%\s+12\.34/);
  expect(r.out).toMatch(/TOTAL\s+205\s+200\s+5\s+2\.50%\s+12\.34/);
});

test('--json prints the API body', async () => {
  const r = await run(['metrics', 'hourly', '--campaign', 'c1', '--json'], { status: 200, body });
  expect(r.calls).toEqual(['GET /admin/metrics/hourly?campaign_id=c1']);
  expect(JSON.parse(r.out)).toEqual(body);
});

test('an API error sets exit code 1 and explains', async () => {
  const r = await run(['metrics', 'hourly', '--campaign', 'x'], {
    status: 400,
    body: { code: 'invalid_campaign_id', message: 'campaign_id must be a UUID' },
  });
  expect(r.exitCode).toBe(1);
  expect(r.err).toContain('campaign_id must be a UUID');
});
