/**
 * The hourly metrics as the Analytics chart draws them: one value per hour of the range (an hour
 * without events is a zero, not a gap), the campaign's ad units added up.
 */
import type { HourlyMetricsResponse } from './types';

const HOUR_MS = 3_600_000;

export interface HourlySeries {
  /** `YYYY-MM-DDTHH`, every hour from the range's first to its last. */
  readonly hours: string[];
  readonly impressions: number[];
  readonly clicks: number[];
}

export function hourlySeries(response: Pick<HourlyMetricsResponse, 'from' | 'to' | 'hours'>): HourlySeries {
  const from = Math.floor(Date.parse(response.from) / HOUR_MS) * HOUR_MS;
  const to = Math.floor(Date.parse(response.to) / HOUR_MS) * HOUR_MS;
  const hours: string[] = [];
  for (let t = from; t <= to && hours.length < 24 * 31; t += HOUR_MS) hours.push(new Date(t).toISOString().slice(0, 13));
  const index = new Map(hours.map((h, i) => [h, i]));
  const impressions = hours.map(() => 0);
  const clicks = hours.map(() => 0);
  for (const row of response.hours) {
    const i = index.get(row.hour.slice(0, 13));
    if (i === undefined) continue;
    impressions[i]! += row.impressions;
    clicks[i]! += row.clicks;
  }
  return { hours, impressions, clicks };
}

/** The `from` the API takes for the last `days` days (an ISO hour, UTC). */
export const fromDaysAgo = (days: number, now: number): string => new Date(Math.floor(now / HOUR_MS) * HOUR_MS - (days * 24 - 1) * HOUR_MS).toISOString().slice(0, 13);

export const CAMPAIGN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
