/**
 * `tracepool metrics hourly --campaign <id> [--from] [--to] [--json]` → GET /admin/metrics/hourly.
 * `tracepool metrics campaign <campaignId> [--account <id>] [--json]` → GET (or PUT with --account)
 *   /admin/analytics/campaigns/{campaignId}: which account a campaign's events are filed under.
 * `tracepool metrics campaigns [--limit] [--cursor] [--json]` → GET /admin/analytics/campaigns.
 * Each prints a table or a line by default, the API's JSON with --json.
 */
import type { Command } from 'commander';
import type { AdminClient } from './admin-client';
import { apiError, processIo, respond, table, withJson, type Io } from './output';

interface HourlyRow {
  hour: string;
  ad_unit_id: string;
  impressions: number;
  clicks: number;
  ctr: number;
  requests: number;
  revenue_cents: number;
  accounts: string[];
}

interface HourlyBody {
  campaign_id: string;
  from: string;
  to: string;
  hours: HourlyRow[];
  totals: { impressions: number; clicks: number; ctr: number; requests: number; revenue_cents: number };
}

interface CampaignBody {
  campaign_id: string;
  account_id: string;
  updated_at: string;
}

interface CampaignsBody {
  items: CampaignBody[];
  next_cursor?: string;
}

const pct = (ctr: number) => `${(ctr * 100).toFixed(2)}%`;
// Cents as a decimal amount: the API carries no currency, so none is printed.
const money = (cents: number | undefined) => ((cents ?? 0) / 100).toFixed(2);

export function formatHourlyTable(body: HourlyBody): string {
  const header = ['HOUR (UTC)', 'AD UNIT', 'ACCOUNT', 'REQUESTS', 'IMPRESSIONS', 'CLICKS', 'CTR', 'REVENUE'];
  const rows = body.hours.map((r) => [
    r.hour,
    r.ad_unit_id,
    (r.accounts ?? []).join(','),
    String(r.requests ?? r.impressions + r.clicks),
    String(r.impressions),
    String(r.clicks),
    pct(r.ctr),
    money(r.revenue_cents),
  ]);
  const t = body.totals;
  rows.push(['TOTAL', '', '', String(t.requests ?? t.impressions + t.clicks), String(t.impressions), String(t.clicks), pct(t.ctr), money(t.revenue_cents)]);
  const [head, ...lines] = table(header, rows, { rightFrom: 3 });
  return [`campaign ${body.campaign_id}  ${body.from} → ${body.to}`, head!, ...(body.hours.length ? [] : ['(no events in this range)']), ...lines].join('\n');
}

export const formatCampaign = (c: CampaignBody): string => `campaign ${c.campaign_id} → account ${c.account_id} (set ${c.updated_at})`;

export function formatCampaigns(body: CampaignsBody): string {
  const [head, ...lines] = table(
    ['CAMPAIGN', 'ACCOUNT', 'UPDATED'],
    body.items.map((c) => [c.campaign_id, c.account_id, c.updated_at]),
  );
  return [head!, ...(body.items.length ? lines : ['(no campaign mapped)']), ...(body.next_cursor ? [`more: --cursor ${body.next_cursor}`] : [])].join('\n');
}

export function registerMetricsCommand(program: Command, client: () => AdminClient, io: Io = processIo): void {
  const metrics = program.command('metrics').description('analytics metrics and campaign → account mappings');
  withJson(
    metrics
      .command('hourly')
      .description('hourly requests / impressions / clicks / CTR / revenue per ad unit for a campaign (default: the last 24 hours)')
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
  withJson(
    metrics
      .command('campaign <campaignId>')
      .description("show a campaign's account, or set it with --account (events aggregated from then on are filed under it)")
      .option('--account <id>', 'the account to file the campaign under'),
    'print the API response as JSON',
  ).action((campaignId: string, opts: { account?: string; json?: boolean }) =>
    respond(io, opts, async (out) => {
      const path = `/admin/analytics/campaigns/${encodeURIComponent(campaignId)}`;
      const res =
        opts.account === undefined ? await client().request<CampaignBody>('GET', path) : await client().request<CampaignBody>('PUT', path, { accountId: opts.account });
      if (res.status !== 200) throw apiError(`metrics campaign ${campaignId}`, res);
      out.result(res.body, formatCampaign);
      // A warm aggregator may still file the campaign under 'unknown' for up to a minute.
      if (opts.account !== undefined) out.note('applies to events aggregated from now on (within a minute)');
    }),
  );
  withJson(
    metrics
      .command('campaigns')
      .description('list the campaign → account mappings')
      .option('--limit <n>', 'mappings per page (1-500, default 100)')
      .option('--cursor <cursor>', 'the next page, as printed after the previous one'),
    'print the API response as JSON',
  ).action((opts: { limit?: string; cursor?: string; json?: boolean }) =>
    respond(io, opts, async (out) => {
      const query = new URLSearchParams();
      if (opts.limit) query.set('limit', opts.limit);
      if (opts.cursor) query.set('cursor', opts.cursor);
      const res = await client().request<CampaignsBody>('GET', `/admin/analytics/campaigns${query.size ? `?${query}` : ''}`);
      if (res.status !== 200) throw apiError('metrics campaigns', res);
      out.result(res.body, formatCampaigns);
    }),
  );
}
