/**
 * `tracepool metrics hourly --campaign <id> [--from] [--to] [--json]` → GET /admin/metrics/hourly.
 * Prints a table by default, the API's JSON with --json. Exit code 1 when the API refuses.
 */
import type { Command } from 'commander';
import type { AdminClient } from './admin-client';

interface HourlyBody {
  campaign_id: string;
  from: string;
  to: string;
  hours: { hour: string; ad_unit_id: string; impressions: number; clicks: number; ctr: number }[];
  totals: { impressions: number; clicks: number; ctr: number };
}

const pct = (ctr: number) => `${(ctr * 100).toFixed(2)}%`;

export function formatHourlyTable(body: HourlyBody): string {
  const header = ['HOUR (UTC)', 'AD UNIT', 'IMPRESSIONS', 'CLICKS', 'CTR'];
  const rows = body.hours.map((r) => [r.hour, r.ad_unit_id, String(r.impressions), String(r.clicks), pct(r.ctr)]);
  rows.push(['TOTAL', '', String(body.totals.impressions), String(body.totals.clicks), pct(body.totals.ctr)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [
    `campaign ${body.campaign_id}  ${body.from} → ${body.to}`,
    line(header),
    ...(body.hours.length ? [] : ['(no events in this range)']),
    ...rows.map(line),
  ].join('\n');
}

export function registerMetricsCommand(program: Command, client: () => AdminClient): void {
  const metrics = program.command('metrics').description('analytics metrics');
  metrics
    .command('hourly')
    .description('hourly impressions / clicks / CTR per ad unit for a campaign (default: the last 24 hours)')
    .requiredOption('--campaign <id>', 'campaign id (UUID)')
    .option('--from <time>', 'first hour, YYYY-MM-DD or YYYY-MM-DDTHH (UTC)')
    .option('--to <time>', 'last hour, YYYY-MM-DD or YYYY-MM-DDTHH (UTC)')
    .option('--json', 'print the API response as JSON')
    .action(async (opts: { campaign: string; from?: string; to?: string; json?: boolean }) => {
      const query = new URLSearchParams({ campaign_id: opts.campaign });
      if (opts.from) query.set('from', opts.from);
      if (opts.to) query.set('to', opts.to);
      const api = client();
      const res = await api.request<HourlyBody | { message?: string; code?: string }>('GET', `/admin/metrics/hourly?${query}`);
      if (res.status !== 200) {
        const detail = (res.body as { message?: string; code?: string } | undefined) ?? {};
        process.stderr.write(`metrics hourly failed (${res.status}): ${detail.message ?? detail.code ?? JSON.stringify(res.body)}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        (opts.json ? JSON.stringify(res.body, null, 2) : formatHourlyTable(res.body as HourlyBody)) + '\n',
      );
    });
}
