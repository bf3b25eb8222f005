import { getHourlyMetrics, MetricsQueryError, parseHourlyQuery, type HourlyCounters } from '../../../lambdas/analytics/hourly-metrics';

const NOW = Date.UTC(2026, 10, 23, 17, 42);
const C = '018F3A2B-7C4D-7E8F-9A0B-1C2D3E4F5A6B';

test('defaults to the last 24 hours, ending with the current hour', () => {
  expect(parseHourlyQuery({ campaign_id: C }, NOW)).toEqual({
    campaignId: C.toLowerCase(),
    fromMs: Date.UTC(2026, 10, 22, 18),
    toMs: Date.UTC(2026, 10, 23, 17),
  });
});

test.each([
  [{ from: '2026-11-20', to: '2026-11-21' }, Date.UTC(2026, 10, 20, 0), Date.UTC(2026, 10, 21, 23)],
  [{ from: '2026-11-20T05', to: '2026-11-20T07' }, Date.UTC(2026, 10, 20, 5), Date.UTC(2026, 10, 20, 7)],
  [{ from: '2026-11-20T05:59:59Z', to: '2026-11-20T07:30' }, Date.UTC(2026, 10, 20, 5), Date.UTC(2026, 10, 20, 7)],
  [{ from: '2026-11-20T05:00:00.000Z', to: '2026-11-20T05:00:00+00:00' }, Date.UTC(2026, 10, 20, 5), Date.UTC(2026, 10, 20, 5)],
  [{ from: '2026-10-23T18' }, Date.UTC(2026, 9, 23, 18), Date.UTC(2026, 10, 23, 17)],
])('%p', (range, fromMs, toMs) => {
  expect(parseHourlyQuery({ campaign_id: C, ...range }, NOW)).toMatchObject({ fromMs, toMs });
});

test.each([
  [{ campaign_id: undefined }, 'invalid_campaign_id'],
  [{ campaign_id: '42' }, 'invalid_campaign_id'],
  [{ from: 'yesterday' }, 'invalid_from'],
  [{ from: '2026-02-30' }, 'invalid_from'],
  [{ to: '2026-11-20T25' }, 'invalid_to'],
  [{ to: '2026-11-20T05:00:00+02:00' }, 'invalid_to'],
  [{ from: '2026-11-21', to: '2026-11-20' }, 'range_inverted'],
  [{ from: '2026-10-01', to: '2026-11-01' }, 'range_too_long'],
])('%p → %s', (params, code) => {
  const call = () => parseHourlyQuery({ campaign_id: C, ...params }, NOW);
  expect(call).toThrow(MetricsQueryError);
  try {
    call();
  } catch (error) {
    expect(error).toMatchObject({ code, statusCode: 400 });
  }
});

test('31 whole days is the limit', () => {
  expect(() => parseHourlyQuery({ campaign_id: C, from: '2026-10-01', to: '2026-10-31' }, NOW)).not.toThrow();
});

describe('getHourlyMetrics over the HourlyCounters port', () => {
  const campaignId = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
  const counters: HourlyCounters = {
    partitions: async () => [
      { adUnitId: 'u2', accountId: 'acct-a' },
      { adUnitId: 'u1', accountId: 'acct-a' },
      // The campaign moved accounts: the same ad unit filed under a second one.
      { adUnitId: 'u1', accountId: 'acct-b' },
    ],
    hours: async (_campaign, p, from, to) => {
      expect([from, to]).toEqual(['2026-11-23T10', '2026-11-23T11']);
      if (p.adUnitId === 'u2') return [{ hour: '2026-11-23T10', impressions: 4, clicks: 0, requests: 4, revenueCents: 0 }];
      return p.accountId === 'acct-a'
        ? [
            { hour: '2026-11-23T11', impressions: 3, clicks: 1, requests: 4, revenueCents: 250 },
            { hour: '2026-11-23T10', impressions: 2, clicks: 0, requests: 2, revenueCents: 0 },
          ]
        : [{ hour: '2026-11-23T11', impressions: 1, clicks: 1, requests: 2, revenueCents: 99 }];
    },
  };

  it('sums rows of the same hour and ad unit across accounts (listing them), sorted by hour then ad unit, with totals', async () => {
    const out = await getHourlyMetrics(counters, { campaignId, fromMs: Date.UTC(2026, 10, 23, 10), toMs: Date.UTC(2026, 10, 23, 11) });
    expect(out).toEqual({
      campaign_id: campaignId,
      from: '2026-11-23T10:00:00Z',
      to: '2026-11-23T11:00:00Z',
      hours: [
        { hour: '2026-11-23T10:00:00Z', ad_unit_id: 'u1', impressions: 2, clicks: 0, ctr: 0, requests: 2, revenue_cents: 0, accounts: ['acct-a'] },
        { hour: '2026-11-23T10:00:00Z', ad_unit_id: 'u2', impressions: 4, clicks: 0, ctr: 0, requests: 4, revenue_cents: 0, accounts: ['acct-a'] },
        { hour: '2026-11-23T11:00:00Z', ad_unit_id: 'u1', impressions: 4, clicks: 2, ctr: 0.5, requests: 6, revenue_cents: 349, accounts: ['acct-a', 'acct-b'] },
      ],
      totals: { impressions: 10, clicks: 2, ctr: 0.2, requests: 12, revenue_cents: 349 },
    });
  });
});
