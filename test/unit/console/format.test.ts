// How the console writes figures: the same units and the same UTC times as the CLI.
import {
  clip,
  formatAgo,
  formatBytes,
  formatCount,
  formatCountry,
  formatMs,
  formatPct,
  formatRate,
  formatUtc,
  humanize,
  plural,
  sentence,
} from '../../../console/src/format';

it('writes percentages with one decimal unless whole, and a dash when there is no figure', () => {
  expect([formatPct(97.54), formatPct(100), formatPct(0), formatPct(null), formatPct(undefined), formatPct(NaN)]).toEqual(['97.5 %', '100 %', '0 %', '–', '–', '–']);
  expect([formatRate(0.9), formatRate(1 / 3), formatRate(null)]).toEqual(['90 %', '33.3 %', '–']);
});

it('writes durations in ms, then s, then min', () => {
  expect([formatMs(0), formatMs(850.4), formatMs(1234), formatMs(12_345), formatMs(90_000), formatMs(null)]).toEqual(['0 ms', '850 ms', '1.23 s', '12.3 s', '1.5 min', '–']);
  expect([formatMs(5_400_000), formatMs(3 * 86_400_000)]).toEqual(['1.5 h', '3.0 d']);
});

it('writes sizes in binary units as the CLI does', () => {
  expect([formatBytes(512), formatBytes(2048), formatBytes(15 * 1024), formatBytes(5.5 * 1024 ** 2), formatBytes(3 * 1024 ** 4), formatBytes(undefined)]).toEqual([
    '512 B',
    '2.0 KB',
    '15 KB',
    '5.5 MB',
    '3.0 TB',
    '–',
  ]);
});

it('writes counts with separators, and with their noun', () => {
  expect([formatCount(1234567), formatCount(0), formatCount(null)]).toEqual(['1,234,567', '0', '–']);
  expect([plural(1, 'IP'), plural(0, 'IP'), plural(1200, 'trace')]).toEqual(['1 IP', '0 IPs', '1,200 traces']);
});

it('writes moments in UTC, from epoch ms or ISO', () => {
  const at = Date.UTC(2026, 11, 2, 13, 5, 9);
  expect(formatUtc(at)).toBe('2026-12-02 13:05 UTC');
  expect(formatUtc(new Date(at).toISOString(), { seconds: true })).toBe('2026-12-02 13:05:09 UTC');
  expect([formatUtc(undefined), formatUtc('not a time')]).toEqual(['–', '–']);
});

it('says how long ago coarsely, and "in" for the future', () => {
  const now = Date.UTC(2026, 11, 2, 12);
  expect([0, 42_000, 5 * 60_000, 3 * 3_600_000, 2 * 86_400_000].map((ago) => formatAgo(now - ago, now))).toEqual([
    'just now',
    '42 s ago',
    '5 min ago',
    '3 h ago',
    '2 d ago',
  ]);
  expect(formatAgo(now + 120_000, now)).toBe('in 2 min');
  expect(formatAgo(undefined, now)).toBe('–');
});

it('reads tokens, countries and long strings for people', () => {
  expect(humanize('dead_lettered')).toBe('dead lettered');
  expect(sentence('dead_lettered')).toBe('Dead lettered');
  expect([formatCountry('us'), formatCountry('auto'), formatCountry('any')]).toEqual(['US', 'auto', 'any']);
  expect(clip('abcdef', 4)).toBe('abc…');
  expect(clip('abc', 4)).toBe('abc');
});
