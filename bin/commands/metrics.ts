/**
 * `tracepool metrics hourly --campaign <id> [--from] [--to] [--json]` → GET /admin/metrics/hourly.
 * Prints a table by default, the API's JSON with --json.
 */
import type { Command } from 'commander';
import type { AdminClient } from './admin-client';
import { apiError, processIo, respond, table, withJson, type Io } from './output';

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
  const [head, ...lines] = table(header, rows, { rightFrom: 2 });
  return [`campaign ${body.campaign_id}  ${body.from} → ${body.to}`, head!, ...(body.hours.length ? [] : ['(no events in this range)']), ...lines].join('\n');
}

export function registerMetricsCommand(program: Command, client: () => AdminClient, io: Io = processIo): void {
  const metrics = program.command('metrics').description('analytics metrics');
  withJson(
    metrics
      .command('hourly')
      .description('hourly impressions / clicks / CTR per ad unit for a campaign (default: the last 24 hours)')
      .requiredOption('--campaign <id>', 'campaign id (UUID)')
      .option('--from <time>', 'first hour, YYYY-MM-DD or YYYY-MM-DDTHH (UTC)')
      .option('--to <time>', 'last hour, YYYY-MM-DD or YYYY-MM-DDTHH (UTC)'),
    'print the API response as JSON',
  ).action((opts: { campaign: string; from?: string; to?: string; json?: boolean }) =>
    respond(io, opts, async (out) => {
      const query = new URLSearchParams({ campaign_id: opts.campaign });
      if (opts.from) query.set('from', opts.from);
      if (opts.to) query.set('to', opts.to);
      const res = await client().request<HourlyBody>('GET', `/admin/metrics/hourly?${query}`);
      if (res.status !== 200) throw apiError('metrics hourly', res);
      out.result(res.body, formatHourlyTable);
    }),
  );
}
