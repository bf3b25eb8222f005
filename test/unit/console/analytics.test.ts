// The Analytics chart's data: every hour of the range, the campaign's ad units added up.
import { fromDaysAgo, hourlySeries } from '../../../console/src/analytics';
import type { HourlyRow } from '../../../console/src/types';

const row = (hour: string, impressions: number, clicks: number) => ({ hour: `${hour}:00:00Z`, impressions, clicks }) as HourlyRow;

it('fills every hour of the range and adds up the ad units of an hour', () => {
  const series = hourlySeries({
    from: '2026-12-02T10:00:00.000Z',
    to: '2026-12-02T13:00:00.000Z',
    hours: [row('2026-12-02T11', 5, 1), row('2026-12-02T11', 2, 0), row('2026-12-02T13', 1, 1), row('2026-12-01T09', 9, 9)],
  });
  expect(series).toEqual({
    hours: ['2026-12-02T10', '2026-12-02T11', '2026-12-02T12', '2026-12-02T13'],
    impressions: [0, 7, 0, 1],
    clicks: [0, 1, 0, 1],
  });
});

it('asks for the last days as whole hours, the current one included', () => {
  const now = Date.UTC(2026, 11, 2, 13, 40);
  expect(fromDaysAgo(1, now)).toBe('2026-12-01T14');
  expect(fromDaysAgo(7, now)).toBe('2026-11-25T14');
});
