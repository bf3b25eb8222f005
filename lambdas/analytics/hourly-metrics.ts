/**
 * `GET /admin/metrics/hourly?campaign_id=&from=&to=` — hourly impressions / clicks / requests /
 * revenue per ad unit.
 *
 * Reads the campaign index (one Query) and then each (ad unit, account) aggregate partition over
 * the hour range (one ranged Query each, in parallel). Rows of the same hour and ad unit filed under
 * two accounts (a campaign moved between accounts) are summed; `accounts` lists the accounts a
 * row's counts were filed under.
 */
import { hourOf } from './keys';

export type MetricsQueryErrorCode = 'invalid_campaign_id' | 'invalid_from' | 'invalid_to' | 'range_inverted' | 'range_too_long';

/** A request the caller must fix: maps to HTTP 400 with `code`. */
export class MetricsQueryError extends Error {
  override readonly name = 'MetricsQueryError';
  readonly statusCode = 400;
  constructor(
    readonly code: MetricsQueryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_RANGE_HOURS = 31 * 24;
const HOUR_MS = 3_600_000;

export interface HourlyMetricsQuery {
  readonly campaignId: string;
  /** Epoch ms of the first hour (inclusive). */
  readonly fromMs: number;
  /** Epoch ms of the last hour (inclusive). */
  readonly toMs: number;
}

export interface HourlyRow {
  readonly hour: string;
  readonly ad_unit_id: string;
  readonly impressions: number;
  readonly clicks: number;
  readonly ctr: number;
  /** Every event received (impressions and clicks). */
  readonly requests: number;
  readonly revenue_cents: number;
  /** The accounts the counts were filed under ('unknown' before the campaign was mapped). */
  readonly accounts: string[];
}

export interface HourlyMetricsResponse {
  readonly campaign_id: string;
  readonly from: string;
  readonly to: string;
  readonly hours: HourlyRow[];
  readonly totals: { readonly impressions: number; readonly clicks: number; readonly ctr: number; readonly requests: number; readonly revenue_cents: number };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HOUR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?)?(Z|[+-]00:?00)?$/;

/** Parses `YYYY-MM-DD` (a whole UTC day) or an ISO hour `YYYY-MM-DDTHH[:mm[:ss]][Z]` (its hour). */
function parseBound(value: string, edge: 'from' | 'to'): number | undefined {
  const day = DATE.exec(value);
  if (day) {
    const start = Date.UTC(+day[1]!, +day[2]! - 1, +day[3]!);
    if (new Date(start).toISOString().slice(0, 10) !== value) return undefined;
    return edge === 'from' ? start : start + 23 * HOUR_MS;
  }
  const hour = HOUR.exec(value);
  if (!hour) return undefined;
  const ms = Date.UTC(+hour[1]!, +hour[2]! - 1, +hour[3]!, +hour[4]!, +(hour[5] ?? 0), +(hour[6] ?? 0));
  if (new Date(ms).toISOString().slice(0, 13) !== value.slice(0, 13)) return undefined;
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/**
 * Validates the query parameters. Defaults: `to` = the current hour, `from` = 23 hours before `to`
 * (the last 24 hours). Throws MetricsQueryError.
 */
export function parseHourlyQuery(params: Readonly<Record<string, string | undefined>>, now: number = Date.now()): HourlyMetricsQuery {
  const campaignId = params.campaign_id?.trim() ?? '';
  if (!GUID.test(campaignId)) throw new MetricsQueryError('invalid_campaign_id', 'campaign_id must be a UUID');
  let toMs = Math.floor(now / HOUR_MS) * HOUR_MS;
  if (params.to) {
    const parsed = parseBound(params.to.trim(), 'to');
    if (parsed === undefined) throw new MetricsQueryError('invalid_to', 'to must be YYYY-MM-DD or YYYY-MM-DDTHH[:mm[:ss]][Z] (UTC)');
    toMs = parsed;
  }
  let fromMs = toMs - 23 * HOUR_MS;
  if (params.from) {
    const parsed = parseBound(params.from.trim(), 'from');
    if (parsed === undefined) throw new MetricsQueryError('invalid_from', 'from must be YYYY-MM-DD or YYYY-MM-DDTHH[:mm[:ss]][Z] (UTC)');
    fromMs = parsed;
  }
  if (fromMs > toMs) throw new MetricsQueryError('range_inverted', 'from is after to');
  if ((toMs - fromMs) / HOUR_MS + 1 > MAX_RANGE_HOURS) {
    throw new MetricsQueryError('range_too_long', `at most ${MAX_RANGE_HOURS / 24} days per query`);
  }
  return { campaignId: campaignId.toLowerCase(), fromMs, toMs };
}

/** One (ad unit, account) aggregate partition of a campaign. */
export interface AggregatePartition {
  readonly adUnitId: string;
  readonly accountId: string;
}

/** One hour's counters; `hour` is `YYYY-MM-DDTHH` (UTC). */
export interface HourlyCounter {
  readonly hour: string;
  readonly impressions: number;
  readonly clicks: number;
  readonly requests: number;
  readonly revenueCents: number;
}

/** The reads the metrics query needs (DynamoHourlyCounters in hourly-counters.ts reads the table). */
export interface HourlyCounters {
  /** The (ad unit, account) partitions the campaign has aggregates in. */
  partitions(campaignId: string): Promise<AggregatePartition[]>;
  /** One partition's hours from `fromHour` to `toHour`, both included. */
  hours(campaignId: string, partition: AggregatePartition, fromHour: string, toHour: string): Promise<HourlyCounter[]>;
}

const isoHour = (ms: number) => new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, ':00Z');
const ctr = (clicks: number, impressions: number) => (impressions > 0 ? Math.round((clicks / impressions) * 1e6) / 1e6 : 0);

export async function getHourlyMetrics(counters: HourlyCounters, query: HourlyMetricsQuery): Promise<HourlyMetricsResponse> {
  const partitions = await counters.partitions(query.campaignId);
  const [fromHour, toHour] = [hourOf(query.fromMs), hourOf(query.toMs)];

  const rows = new Map<string, { hour: string; adUnitId: string; impressions: number; clicks: number; requests: number; revenueCents: number; accounts: Set<string> }>();
  await Promise.all(
    partitions.map(async (p) => {
      for (const item of await counters.hours(query.campaignId, p, fromHour, toHour)) {
        const key = `${item.hour}|${p.adUnitId}`;
        const row = rows.get(key) ?? { hour: item.hour, adUnitId: p.adUnitId, impressions: 0, clicks: 0, requests: 0, revenueCents: 0, accounts: new Set<string>() };
        row.impressions += item.impressions;
        row.clicks += item.clicks;
        row.requests += item.requests;
        row.revenueCents += item.revenueCents;
        row.accounts.add(p.accountId);
        rows.set(key, row);
      }
    }),
  );

  const hours = [...rows.values()]
    .sort((a, b) => a.hour.localeCompare(b.hour) || a.adUnitId.localeCompare(b.adUnitId))
    .map((r) => ({
      hour: `${r.hour}:00:00Z`,
      ad_unit_id: r.adUnitId,
      impressions: r.impressions,
      clicks: r.clicks,
      ctr: ctr(r.clicks, r.impressions),
      requests: r.requests,
      revenue_cents: r.revenueCents,
      accounts: [...r.accounts].sort(),
    }));
  const impressions = hours.reduce((n, r) => n + r.impressions, 0);
  const clicks = hours.reduce((n, r) => n + r.clicks, 0);
  const requests = hours.reduce((n, r) => n + r.requests, 0);
  const revenueCents = hours.reduce((n, r) => n + r.revenue_cents, 0);
  return {
    campaign_id: query.campaignId,
    from: isoHour(query.fromMs),
    to: isoHour(query.toMs),
    hours,
    totals: { impressions, clicks, ctr: ctr(clicks, impressions), requests, revenue_cents: revenueCents },
  };
}
